namespace SparseVirt.Sparse;

/// <summary>Raw data read from a stream in order (no hole detection: holes read as zeros).</summary>
internal sealed class StreamRawSource(Stream stream) : RawSource
{
    private bool _ended;

    public override async ValueTask<RawPiece> ReadAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return default;
        }
        // Fill the whole buffer so pieces are whole blocks; only the end of the stream leaves it short.
        int read;
        if (async)
        {
            read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            read = stream.ReadAtLeast(buffer.Span, buffer.Length, throwOnEndOfStream: false);
        }
        if (read < buffer.Length)
        {
            _ended = true;
        }
        return new RawPiece(false, read);
    }
}
