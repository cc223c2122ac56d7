namespace SparseVirt.Fuzz.Harness;

/// <summary>
/// A destination for expansions that keeps the first <see cref="KeptBytes"/> of the output (for comparing paths) and
/// only counts the rest, seekable or not as asked. Writing more than <see cref="ExecutionLimits.MaxWrittenBytes"/> in
/// all throws <see cref="OutputLimitReachedException"/>, so an image describing a huge FILL costs bounded time.
/// </summary>
internal sealed class BoundedSink(bool seekable) : Stream
{
    public const int KeptBytes = 1024 * 1024;

    private byte[] _kept = new byte[4096];
    private long _length;
    private long _position;
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => seekable;

    public override bool CanWrite => true;

    public override long Length => seekable ? _length : throw new NotSupportedException();

    public override long Position
    {
        get => seekable ? _position : throw new NotSupportedException();
        set
        {
            if (!seekable)
            {
                throw new NotSupportedException();
            }
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    /// <summary>The output's length: the furthest byte written or the length set.</summary>
    public long OutputLength => _length;

    /// <summary>The kept prefix of the output (zeros where nothing was written), at most <see cref="KeptBytes"/>.</summary>
    public ReadOnlySpan<byte> KeptPrefix => _kept.AsSpan(0, (int)Math.Min(Math.Min(_length, KeptBytes), _kept.Length));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _written += buffer.Length;
        if (_written > ExecutionLimits.MaxWrittenBytes)
        {
            throw new OutputLimitReachedException($"The expansion wrote more than {ExecutionLimits.MaxWrittenBytes} bytes.");
        }
        if (_position < KeptBytes)
        {
            int keep = (int)Math.Min(buffer.Length, KeptBytes - _position);
            EnsureKept((int)_position + keep);
            buffer[..keep].CopyTo(_kept.AsSpan((int)_position));
        }
        _position += buffer.Length;
        _length = Math.Max(_length, _position);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void SetLength(long value)
    {
        if (!seekable)
        {
            throw new NotSupportedException();
        }
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value < _length && value < _kept.Length)
        {
            _kept.AsSpan((int)value).Clear();
        }
        _length = value;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void EnsureKept(int end)
    {
        if (end > _kept.Length)
        {
            Array.Resize(ref _kept, Math.Min(KeptBytes, Math.Max(end, _kept.Length * 2)));
        }
    }
}
