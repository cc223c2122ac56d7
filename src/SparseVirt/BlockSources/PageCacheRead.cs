using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>
/// Reads what the page cache already holds, on the calling thread, without ever waiting for the disk
/// (<c>preadv2</c> with <c>RWF_NOWAIT</c>). An asynchronous file read in .NET on Linux is a synchronous one queued to
/// the thread pool: one more thread to wake per read. An NBD server answering a guest's reads pays that hop on every
/// request, so a read the cache can answer is answered at once and only the rest goes to the pool.
/// </summary>
internal static class PageCacheRead
{
    // Cleared for good where the kernel or C library lacks preadv2 or RWF_NOWAIT (ENOSYS, EINVAL, EOPNOTSUPP).
    private static volatile bool s_available = OperatingSystem.IsLinux();

    /// <summary>
    /// Reads from the start of <paramref name="destination"/> as far as the page cache holds the bytes, and returns how
    /// many were read: all of them, fewer (the rest is not cached, or the file ends), or none. Errors are left to the
    /// ordinary read that follows, which reports them.
    /// </summary>
    public static unsafe int Read(SafeFileHandle file, Span<byte> destination, long offset)
    {
        int filled = 0;
        if (!s_available)
        {
            return filled;
        }
        fixed (byte* start = destination)
        {
            while (filled < destination.Length)
            {
                var vector = new Libc.IoVector { Base = start + filled, Length = (nuint)(destination.Length - filled) };
                nint read = Libc.PReadV2(file, &vector, 1, offset + filled, Libc.ReadWriteNoWait);
                if (read > 0)
                {
                    filled += (int)read;
                    continue;
                }
                if (read < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    if (errno is Errno.ENOSYS or Errno.EINVAL or Errno.EOPNOTSUPP)
                    {
                        s_available = false;
                    }
                }
                break;
            }
        }
        return filled;
    }
}
