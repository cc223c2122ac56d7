using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Paths;

/// <summary>
/// A file's bytes as a read-only, seekable <see cref="Stream"/>: each read asks the driver for just the blocks it
/// covers (holes read as zeros without touching the image). The image must stay open while the stream is used.
/// </summary>
internal sealed class FileNodeStream(FileSystemDriver driver, FileSystemNode file) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => file.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) =>
        SpanMemory.RunSync(buffer, this, static (stream, memory) => stream.ReadCoreAsync(memory, async: false, CancellationToken.None));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => file.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A file inside a file system image is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A file inside a file system image is read-only.");

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty || _position >= file.Length)
        {
            return 0;
        }
        int read = await driver.ReadFileAsync(file, _position, buffer, async, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }
}
