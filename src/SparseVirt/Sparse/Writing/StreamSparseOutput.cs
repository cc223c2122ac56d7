namespace SparseVirt.Sparse;

/// <summary>A sparse image written into a seekable stream from its current position.</summary>
internal sealed class StreamSparseOutput : SparseOutput
{
    private readonly Stream _stream;
    private readonly long _origin;
    private long _streamOffset;

    public StreamSparseOutput(Stream stream)
    {
        _stream = stream;
        _origin = stream.Position;
    }

    protected override async ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        if (offset != _streamOffset)
        {
            _stream.Position = _origin + offset;
        }
        if (async)
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            _stream.Write(data.Span);
        }
        _streamOffset = offset + data.Length;
    }

    /// <summary>Leaves the stream positioned after the last byte of the image.</summary>
    public void SeekToEnd(long length) => _stream.Position = _origin + length;
}
