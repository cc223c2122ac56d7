using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.BlockSources;

/// <summary>
/// Copies byte ranges into one destination file inside the kernel, so the data never enters user space:
/// copy_file_range(2), where file systems that can share extents may not copy at all, or, for long ranges whose
/// source and destination are not page-aligned with each other (a sparse image's payloads sit 12 bytes after their
/// chunk headers), splice(2) through a pipe of our own; and splice(2) straight from a caller's pipe. One instance
/// serves one operation (an expansion, a sparse image or layout written): what it learns is kept for the next range (the file systems'
/// verdicts from fstatfs, the pipe with its capacity) instead of being asked again per chunk. Callers fall back to
/// read/write when it reports fewer bytes than asked.
/// </summary>
internal sealed partial class KernelFileCopy(SafeFileHandle destination) : IDisposable
{
    // One call moves at most this much, so cancellation is noticed between calls on huge chunks.
    private const long MaxBytesPerCall = 256L * 1024 * 1024;

    // A misaligned range at least this long goes through SpliceAligned: for a single range, its pipe costs three
    // calls to set up (kept for the rest of the operation once made).
    private const long MinSplicedLength = 256 * 1024;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();
    private static volatile bool s_spliceUnavailable = !OperatingSystem.IsLinux();

    private bool? _destinationMayCopyRemotely;
    private SafeFileHandle? _lastSource;
    private bool _lastSourceMayCopyRemotely;

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="source"/> at <paramref name="sourceOffset"/> to the
    /// destination at <paramref name="destinationOffset"/>. Returns the number of bytes copied: all of them, or fewer
    /// when the kernel cannot copy between these files or the source ends early (the caller copies the rest itself,
    /// and so finds any truncation).
    /// </summary>
    /// <exception cref="IOException">The copy failed for another reason (no space, I/O error ...).</exception>
    public unsafe long CopyRange(SafeFileHandle source, long sourceOffset, long destinationOffset, long length, CancellationToken cancellationToken)
    {
        if (s_unavailable)
        {
            return 0;
        }

        long copied = 0;
        if (length >= MinSplicedLength && !s_spliceUnavailable && ((sourceOffset - destinationOffset) & (PageSize - 1)) != 0
            && !DestinationMayCopyRemotely() && !SourceMayCopyRemotely(source))
        {
            copied = SpliceAligned(source, sourceOffset, destinationOffset, length, cancellationToken);
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

    private bool DestinationMayCopyRemotely() => _destinationMayCopyRemotely ??= MayCopyRemotely(destination);

    // The pieces of a split image come one after another: the verdict is kept for the source last asked about.
    private bool SourceMayCopyRemotely(SafeFileHandle source)
    {
        if (!ReferenceEquals(source, _lastSource))
        {
            _lastSource = source;
            _lastSourceMayCopyRemotely = MayCopyRemotely(source);
        }
        return _lastSourceMayCopyRemotely;
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
