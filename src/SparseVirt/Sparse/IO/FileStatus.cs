using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO.Interop;

namespace SparseVirt.Sparse.IO;

/// <summary>What a file is and how much storage it occupies (statx).</summary>
/// <param name="Kind">Regular file, block device, or something else (pipe, character device, socket ...).</param>
/// <param name="Length">stx_size: the length of a regular file (0 for block devices and pipes).</param>
/// <param name="AllocatedBytes">stx_blocks x 512: the storage actually allocated, smaller than the length for sparse files.</param>
internal readonly record struct FileStatus(FileKind Kind, long Length, long AllocatedBytes)
{
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int RegularFileType = 0x8000; // S_IFREG
    private const int BlockDeviceType = 0x6000; // S_IFBLK

    /// <summary>Describes the open file <paramref name="handle"/>.</summary>
    /// <exception cref="IOException">statx failed.</exception>
    public static FileStatus Of(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Query((int)handle.DangerousGetHandle(), "", Libc.AtEmptyPath, "the open file");
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
        return Query(Libc.AtCurrentDirectory, path, 0, path);
    }

    private static unsafe FileStatus Query(int directory, string path, int flags, string what)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStatus(FileKind.Other, 0, 0);
        }

        byte* buffer = stackalloc byte[Libc.StatxSize];
        if (Libc.Statx(directory, path, flags, Libc.StatxTypeModeSizeBlocks, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string message = $"Cannot query '{what}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";
            throw errno == 2 ? new FileNotFoundException(message, what) : new IOException(message);
        }

        var statx = new ReadOnlySpan<byte>(buffer, Libc.StatxSize);
        int type = BinaryPrimitives.ReadUInt16LittleEndian(statx[Libc.StatxModeOffset..]) & FileTypeMask;
        FileKind kind = type switch
        {
            RegularFileType => FileKind.RegularFile,
            BlockDeviceType => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
        long length = (long)BinaryPrimitives.ReadUInt64LittleEndian(statx[Libc.StatxSizeOffset..]);
        long blocks = (long)BinaryPrimitives.ReadUInt64LittleEndian(statx[Libc.StatxBlocksOffset..]);
        return new FileStatus(kind, length, blocks * 512);
    }
}

/// <summary>The kinds of file an output can go to, as far as writing it is concerned.</summary>
internal enum FileKind
{
    /// <summary>A regular file: can be sized, can have holes.</summary>
    RegularFile,

    /// <summary>A block device: fixed size, written in place.</summary>
    BlockDevice,

    /// <summary>Anything else (pipe, character device, socket), or unknown.</summary>
    Other,
}
