namespace SparseVirt.Sparse;

/// <summary>
/// Expanded output written into a caller's stream, from its position at the start: every defined byte is written
/// (zero FILL too); DONT_CARE is passed over by seeking when the stream can seek, and written as zeros when it
/// cannot. A non-seekable stream takes output in order only, so it cannot take several overlaid pieces.
/// </summary>
internal sealed class StreamRawDestination : RawDestination
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _canSeek;
    private readonly long _origin;
    private long _position;

    /// <param name="stream">The destination, writable.</param>
    /// <param name="sequentialOnly">
    /// Write in order even if the stream says it can seek: character devices such as <c>/dev/null</c> accept seeks
    /// but have no length to extend.
    /// </param>
    /// <param name="ownsStream">Dispose the stream with the destination (it was opened for it); a caller's stream stays open.</param>
    public StreamRawDestination(Stream stream, bool sequentialOnly = false, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The destination stream must be writable.", nameof(stream));
        }
        _stream = stream;
        _ownsStream = ownsStream;
        _canSeek = stream.CanSeek && !sequentialOnly;
        _origin = _canSeek ? stream.Position : 0;
    }

    public override string Description => _canSeek ? "a seekable stream" : "a stream written in order";

    public override ValueTask BeginPieceAsync(long rawLength, int pieceIndex, bool async, CancellationToken cancellationToken)
    {
        if (pieceIndex > 0 && !_canSeek)
        {
            throw new NotSupportedException("Several pieces overlay each other, which needs a seekable destination stream; this one cannot seek.");
        }
        return ValueTask.CompletedTask;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        await MoveToAsync(offset, async, cancellationToken).ConfigureAwait(false);
        if (async)
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _stream.Write(data.Span);
        }
        _position += data.Length;
    }

    public override ValueTask ZeroAsync(long offset, long length, bool async, CancellationToken cancellationToken) =>
        WriteZerosAsync(offset, length, async, cancellationToken);

    public override ValueTask SkipAsync(long offset, long length, bool async, CancellationToken cancellationToken) =>
        _canSeek ? ValueTask.CompletedTask : WriteZerosAsync(offset, length, async, cancellationToken);

    public override async ValueTask CompleteAsync(long rawLength, bool async, CancellationToken cancellationToken)
    {
        if (_canSeek)
        {
            // A trailing DONT_CARE was only seeked over: the stream must still reach the image's length.
            long end = _origin + rawLength;
            if (_stream.Length < end)
            {
                _stream.SetLength(end);
            }
            _stream.Position = end;
            _position = rawLength;
        }
        else
        {
            await MoveToAsync(rawLength, async, cancellationToken).ConfigureAwait(false);
        }

        if (async)
        {
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _stream.Flush();
        }
    }

    public override ValueTask DisposeAsync() => _ownsStream ? _stream.DisposeAsync() : ValueTask.CompletedTask;

    private async ValueTask MoveToAsync(long offset, bool async, CancellationToken cancellationToken)
    {
        if (offset == _position)
        {
            return;
        }
        if (_canSeek)
        {
            _stream.Position = _origin + offset;
            _position = offset;
            return;
        }
        if (offset < _position)
        {
            throw new NotSupportedException($"The output would go back to byte {offset} after byte {_position}, which a non-seekable stream cannot do.");
        }
        await WriteZerosAsync(_position, offset - _position, async, cancellationToken).ConfigureAwait(false);
    }
}
