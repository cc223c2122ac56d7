using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;

namespace SparseVirt.Sparse.IO;

/// <summary>What a file is and how much storage it occupies (statx).</summary>
/// <param name="Kind">Regular file, block device, character device, pipe ...; <see cref="UnixFileType.Unknown"/> off Linux.</param>
/// <param name="Length">stx_size: the length of a regular file (0 for block devices and pipes).</param>
/// <param name="AllocatedBytes">stx_blocks x 512: the storage actually allocated, smaller than the length for sparse files.</param>
internal readonly record struct FileStatus(UnixFileType Kind, long Length, long AllocatedBytes)
{
    /// <summary>Describes the open file <paramref name="handle"/>.</summary>
    /// <exception cref="IOException">statx failed (UnauthorizedAccessException when refused).</exception>
    public static FileStatus Of(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Query((int)handle.DangerousGetHandle(), "", Libc.AtEmptyPath, "the open file")!.Value;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Describes the file at <paramref name="path"/> (following symbolic links), without opening it.</summary>
    /// <exception cref="IOException">statx failed (FileNotFoundException when nothing is there).</exception>
    public static FileStatus Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Query(Libc.AtCurrentWorkingDirectory, path, 0, path)!.Value;
    }

    /// <summary>Describes the file at <paramref name="path"/> (following symbolic links), or null when nothing is there: one statx, where File.Exists and <see cref="Of(string)"/> would be two.</summary>
    /// <exception cref="IOException">statx failed for another reason.</exception>
    public static FileStatus? TryOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(path) ? new FileStatus(UnixFileType.Unknown, 0, 0) : null;
        }
        return Query(Libc.AtCurrentWorkingDirectory, path, 0, path, missingIsNull: true);
    }

    private static FileStatus? Query(int directory, string path, int flags, string what, bool missingIsNull = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStatus(UnixFileType.Unknown, 0, 0);
        }

        const uint Fields = Libc.StatxType | Libc.StatxMode | Libc.StatxSize | Libc.StatxBlocks;
        if (Libc.Statx(directory, path, flags, Fields, out StatxBuffer status) != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (missingIsNull && errno == Errno.ENOENT)
            {
                return null;
            }
            throw Errno.ToException(errno, "Cannot query", what);
        }
        return new FileStatus(status.FileType, (long)status.Size, (long)status.Blocks * 512);
    }
}
