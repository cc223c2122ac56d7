namespace SparseVirt.Sparse.IO;

/// <summary>
/// A read-only, non-seekable view of a stream whose asynchronous reads are done on the calling thread. It carries
/// a non-seekable source (a pipe, standard input, a socket) into a <see cref="System.IO.Pipelines.PipeReader"/>:
/// for a synchronous expansion, so every read completes before it returns (the synchronous core never waits on
/// the thread pool), and for a descriptor with no asynchronous reads of its own, whose every asynchronous read
/// would otherwise hop to the thread pool (a decoder makes thousands). Blocking the caller's thread on its own
/// input costs nothing there.
/// </summary>
/// <param name="inner">The stream read.</param>
/// <param name="leaveOpen">Leave <paramref name="inner"/> open when this stream is disposed.</param>
internal sealed class InlineReadStream(Stream inner, bool leaveOpen) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(inner.Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
