namespace SparseVirt.BlockSources;

/// <summary>
/// A read-only, seekable <see cref="Stream"/> over a block source, for APIs that take a stream (hashing, a sparse
/// image writer, copying to a file). The source stays open when the stream is disposed.
/// </summary>
public sealed class BlockSourceStream : Stream
{
    private readonly IBlockSource _source;
    private long _position;

    /// <summary>Reads <paramref name="source"/> from its first byte.</summary>
    public BlockSourceStream(IBlockSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
    }

    /// <summary>The source this stream reads.</summary>
    public IBlockSource Source => _source;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => true;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => _source.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer) =>
        SpanMemory.RunSync(buffer, this, static (stream, memory) => stream.ReadCoreAsync(memory, async: false, CancellationToken.None));

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _source.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A block source is read-only.");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A block source is read-only.");

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        int count = ClampToEnd(buffer.Length);
        if (async)
        {
            await _source.ReadAsync(_position, buffer[..count], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _source.Read(_position, buffer.Span[..count]);
        }
        _position += count;
        return count;
    }

    private int ClampToEnd(int requested) => (int)Math.Clamp(_source.Length - _position, 0, requested);
}
