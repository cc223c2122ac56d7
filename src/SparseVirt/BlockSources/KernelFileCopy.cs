using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>
/// Copies byte ranges between files inside the kernel, so the data never enters user space: copy_file_range(2), where
/// file systems that can share extents may not copy at all, or, for long ranges whose source and destination are not
/// page-aligned with each other (a sparse image's payloads sit 12 bytes after their chunk headers), splice(2) through
/// a pipe of our own. Callers fall back to read/write when it reports unsupported.
/// </summary>
internal static class KernelFileCopy
{
    // One call moves at most this much, so cancellation is noticed between calls on huge chunks.
    private const long MaxBytesPerCall = 256L * 1024 * 1024;

    // A misaligned range at least this long goes through SpliceAligned: its pipe costs three calls to set up.
    private const long MinSplicedLength = 256 * 1024;

    // The pipe SpliceAligned asks for. Measured on ext4 (docs/benchmarking.md), eight alternating rounds of `unsparse`:
    // 512 KiB 0.39 s, 1 MiB the same, 256 KiB 0.42-0.43 s (fewer rounds, fewer calls); the smaller of the two fastest.
    private const int SplicePipeCapacity = 512 * 1024;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();
    private static volatile bool s_spliceUnavailable = !OperatingSystem.IsLinux();

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
        if (length >= MinSplicedLength && !s_spliceUnavailable && ((sourceOffset - destinationOffset) & (PageSize - 1)) != 0
            && !MayCopyRemotely(source) && !MayCopyRemotely(destination))
        {
            copied = SpliceAligned(source, sourceOffset, destination, destinationOffset, length, cancellationToken);
        }
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
            if (IsInterrupted(errno, "copy_file_range failed at output byte", outputOffset))
            {
                continue;
            }
            if (errno == Errno.ENOSYS)
            {
                s_unavailable = true;
            }
            return copied;
        }
        return copied;
    }

    private static int PageSize => Environment.SystemPageSize;

    /// <summary>
    /// True when <paramref name="file"/> is on a file system whose copy_file_range may copy on the server, without
    /// the bytes crossing the network (NFS 4.2, SMB, Ceph, a FUSE file system that implements it), at any offsets:
    /// there it stays the way to copy, aligned or not. False for local file systems, where the kernel would splice
    /// through its own small pipe anyway.
    /// </summary>
    internal static unsafe bool MayCopyRemotely(SafeFileHandle file)
    {
        byte* status = stackalloc byte[Libc.StatFsBufferSize];
        if (Libc.FStatFs(file, status) != 0)
        {
            _ = Marshal.GetLastPInvokeError();
            return true;   // unknown: keep to copy_file_range, which is never wrong
        }
        // f_type from linux/magic.h: NFS_SUPER_MAGIC, SMB2_MAGIC_NUMBER, CIFS_SUPER_MAGIC, CEPH_SUPER_MAGIC, FUSE_SUPER_MAGIC.
        return (uint)*(long*)status is 0x6969 or 0xFE534D42 or 0xFF534D42 or 0x00C36400 or 0x65735546;
    }

    /// <summary>
    /// Copies a range whose source and destination offsets differ within a page through a pipe, in rounds that each
    /// end on a page boundary of the destination. copy_file_range does the same inside the kernel through a pipe of
    /// 16 pages, but it writes whatever one round read, and a misaligned source fills 16 pages with less than 16
    /// pages of data: from the first round on, every write starts and ends inside a page of the destination, which
    /// ext4 then zeroes around the write and cannot give large folios. Whole-page writes measured about 10% faster
    /// (docs/benchmarking.md). Returns the bytes copied; fewer than asked when the source ends early or these files
    /// cannot be spliced, the rest being left to the caller. Nothing is consumed from the source (its reads are
    /// positional), so bytes left in the pipe by a failure are simply dropped with it.
    /// </summary>
    internal static unsafe long SpliceAligned(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long length, CancellationToken cancellationToken)
    {
        int* ends = stackalloc int[2];
        if (Libc.Pipe2(ends, Libc.OpenCloseOnExec) != 0)
        {
            _ = Marshal.GetLastPInvokeError();
            return 0;
        }
        using var pipeOut = new SafeFileHandle(ends[0], ownsHandle: true);
        using var pipeIn = new SafeFileHandle(ends[1], ownsHandle: true);
        int capacity = Libc.Fcntl(pipeIn, Libc.FSetPipeSize, SplicePipeCapacity);
        if (capacity < 2 * PageSize)
        {
            _ = Marshal.GetLastPInvokeError();
            return 0;
        }

        // A round of `round` bytes may touch one page of the source more than it fills in the destination, and each
        // page of the source takes one slot of the pipe: a round never asks for more than the pipe can hold.
        long round = capacity - PageSize;
        long copied = 0;
        while (copied < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long outputOffset = destinationOffset + copied;
            long wanted = Math.Min(length - copied, round - (outputOffset & (PageSize - 1)));

            // One read per round: a short one (never seen from a file) is written out before reading on, so the
            // pipe is never asked to take more than it has room for.
            long inputOffset = sourceOffset + copied;
            nint inPipe = Libc.Splice(source, &inputOffset, pipeIn, null, (nuint)wanted, Libc.SpliceMore);
            if (inPipe == 0)
            {
                return copied;   // the source ends early: the caller's ordinary read finds the truncation
            }
            if (inPipe < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (IsInterrupted(errno, "splice from the input failed at byte", inputOffset))
                {
                    continue;
                }
                if (errno is Errno.ENOSYS or Errno.EPERM)
                {
                    s_spliceUnavailable = true;   // no splice in this kernel, or a filter forbids it
                }
                return copied;
            }

            long drained = 0;
            while (drained < inPipe)
            {
                nint written = Libc.Splice(pipeOut, null, destination, &outputOffset, (nuint)(inPipe - drained), Libc.SpliceMore);
                if (written > 0)
                {
                    drained += written;
                    continue;
                }
                int errno = written == 0 ? Errno.EINVAL : Marshal.GetLastPInvokeError();
                if (IsInterrupted(errno, "splice into the output failed at byte", outputOffset))
                {
                    continue;
                }
                return copied + drained;
            }
            copied += inPipe;
        }
        return copied;
    }

    /// <summary>
    /// Sorts a failed call's errno: true for an interrupted call (call again); false for one that means "not between
    /// these two files" rather than a failed copy (different file systems on old kernels, special files, O_APPEND,
    /// a pipe where an offset was given, a seccomp filter ...), so the caller copies another way; anything else (no
    /// space, an I/O error) is thrown, naming the offset.
    /// </summary>
    private static bool IsInterrupted(int errno, string failure, long offset) => errno switch
    {
        Errno.EINTR => true,
        Errno.ENOSYS or Errno.EXDEV or Errno.EINVAL or Errno.EOPNOTSUPP or Errno.EBADF or Errno.ESPIPE or Errno.EPERM => false,
        _ => throw Errno.ToException(errno, $"{failure} {offset}"),
    };
}
