using System.Runtime.InteropServices;

namespace SparseVirt.Sparse.IO.Interop;

internal static partial class Libc
{
    /// <summary>AT_EMPTY_PATH: with an empty path, statx describes the descriptor itself (like fstat).</summary>
    internal const int AtEmptyPath = 0x1000;

    /// <summary>AT_FDCWD: a relative path is resolved from the current directory.</summary>
    internal const int AtCurrentDirectory = -100;

    /// <summary>STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_BLOCKS.</summary>
    internal const uint StatxTypeModeSizeBlocks = 0x0001 | 0x0002 | 0x0200 | 0x0400;

    /// <summary>The size of struct statx, the same on every Linux architecture.</summary>
    internal const int StatxSize = 256;

    /// <summary>Offset of stx_mode (u16) in struct statx.</summary>
    internal const int StatxModeOffset = 28;

    /// <summary>Offset of stx_size (u64) in struct statx.</summary>
    internal const int StatxSizeOffset = 40;

    /// <summary>Offset of stx_blocks (u64, 512-byte units) in struct statx.</summary>
    internal const int StatxBlocksOffset = 48;

    /// <summary>
    /// statx(2): a path (from <see cref="AtCurrentDirectory"/>), or a descriptor itself (empty path,
    /// <see cref="AtEmptyPath"/>). struct statx has one layout on every architecture, unlike struct stat, so it is
    /// read from a raw 256-byte buffer at fixed offsets.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
