using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>STATX_TYPE</c>: the file type bits of <c>stx_mode</c>.</summary>
    internal const uint StatxType = 0x0001;

    /// <summary><c>STATX_MODE</c>: the permission bits of <c>stx_mode</c>.</summary>
    internal const uint StatxMode = 0x0002;

    /// <summary><c>STATX_UID</c>.</summary>
    internal const uint StatxUid = 0x0008;

    /// <summary><c>STATX_GID</c>.</summary>
    internal const uint StatxGid = 0x0010;

    /// <summary><c>STATX_SIZE</c>.</summary>
    internal const uint StatxSize = 0x0200;

    /// <summary><c>STATX_BLOCKS</c>.</summary>
    internal const uint StatxBlocks = 0x0400;

    /// <summary><c>STATX_BASIC_STATS</c>: type, mode, links, uid, gid, times, inode, size and blocks.</summary>
    internal const uint StatxBasicStats = 0x07FF;

    /// <summary>
    /// <c>int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)</c>: a path (from
    /// <see cref="AtCurrentWorkingDirectory"/>, following symbolic links), or a descriptor itself (empty path,
    /// <see cref="AtEmptyPath"/>). Used rather than <c>stat</c> because glibc's <c>stat</c> symbol and
    /// <c>struct stat</c> layout differ across versions and architectures, while <c>struct statx</c> is one fixed layout.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int directoryFileDescriptor, string path, int flags, uint mask, out StatxBuffer buffer);
}
