using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.Sparse.IO;

/// <summary>
/// A read-only stream over a caller's non-seekable descriptor (a pipe, a socket, a terminal) that neither owns nor
/// closes it, and reads inline: asynchronous reads complete on the calling thread, because a synchronous descriptor
/// has no asynchronous reads of its own and each would otherwise hop to the thread pool (a decoder makes thousands).
/// </summary>
internal sealed class BorrowedDescriptorStream(SafeFileHandle handle) : Stream
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

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>One <c>read(2)</c> at the descriptor's own position (retried on EINTR): the bytes read, 0 at the end.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    public override unsafe int Read(Span<byte> buffer)
    {
        if (!OperatingSystem.IsLinux())
        {
            return RandomAccess.Read(handle, buffer, 0);   // the offset is ignored for unseekable files
        }
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                nint read = Libc.Read(handle, bytes, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw Errno.ToException(errno, "Cannot read the input");
                }
            }
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
