using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>
/// Copies byte ranges between files with copy_file_range(2), so the data never enters user space (and file systems
/// that can share extents may not copy it at all). Callers fall back to read/write when it reports unsupported.
/// </summary>
internal static class KernelFileCopy
{
    // One call moves at most this much, so cancellation is noticed between calls on huge chunks.
    private const long MaxBytesPerCall = 256L * 1024 * 1024;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="source"/> at <paramref name="sourceOffset"/> to
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/>. Returns the number of bytes copied:
    /// all of them, or fewer when the kernel cannot copy between these files or the source ends early (the caller
    /// copies the rest itself, and so finds any truncation).
    /// </summary>
    /// <exception cref="IOException">The copy failed for another reason (no space, I/O error ...).</exception>
    public static unsafe long Copy(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long length, CancellationToken cancellationToken)
    {
        if (s_unavailable)
        {
            return 0;
        }

        long copied = 0;
        while (copied < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long inputOffset = sourceOffset + copied;
            long outputOffset = destinationOffset + copied;
            nint result = Libc.CopyFileRange(source, &inputOffset, destination, &outputOffset, (nuint)Math.Min(length - copied, MaxBytesPerCall), 0);
            if (result > 0)
            {
                copied += result;
                continue;
            }
            if (result == 0)
            {
                // The input ends early; the caller's ordinary read finds and reports the truncation.
                return copied;
            }

            int errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ENOSYS:
                    s_unavailable = true;
                    return copied;
                case Errno.EXDEV or Errno.EINVAL or Errno.EOPNOTSUPP or Errno.EBADF:
                    // Not between these two files (different file systems on old kernels, special files, O_APPEND ...).
                    return copied;
                default:
                    throw Errno.ToException(errno, $"copy_file_range failed at output byte {outputOffset}");
            }
        }
        return copied;
    }
}
