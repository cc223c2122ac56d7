using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary>
/// <c>struct statx</c> (linux/stat.h): 256 bytes, one layout on every Linux architecture. Only the fields some
/// caller reads are declared; the kernel fills the rest of the buffer.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 0x100)]
internal struct StatxBuffer
{
    private const int FileTypeMask = 0xF000; // S_IFMT

    /// <summary><c>stx_mask</c>: which fields the kernel filled in.</summary>
    [FieldOffset(0x00)]
    public uint Mask;

    /// <summary><c>stx_uid</c>.</summary>
    [FieldOffset(0x14)]
    public uint Uid;

    /// <summary><c>stx_gid</c>.</summary>
    [FieldOffset(0x18)]
    public uint Gid;

    /// <summary><c>stx_mode</c>: file type and permission bits.</summary>
    [FieldOffset(0x1C)]
    public ushort Mode;

    /// <summary><c>stx_ino</c>: the inode number.</summary>
    [FieldOffset(0x20)]
    public ulong Inode;

    /// <summary><c>stx_size</c>: the length in bytes (of a regular file; 0 for block devices and pipes).</summary>
    [FieldOffset(0x28)]
    public ulong Size;

    /// <summary><c>stx_blocks</c>: the storage allocated, in 512-byte units.</summary>
    [FieldOffset(0x30)]
    public ulong Blocks;

    /// <summary><c>stx_ctime.tv_sec</c>: when the inode last changed (any write, rename, chmod ...).</summary>
    [FieldOffset(0x60)]
    public long ChangeSeconds;

    /// <summary><c>stx_ctime.tv_nsec</c>.</summary>
    [FieldOffset(0x68)]
    public uint ChangeNanoseconds;

    /// <summary><c>stx_mtime.tv_sec</c>: when the content last changed.</summary>
    [FieldOffset(0x70)]
    public long ModifySeconds;

    /// <summary><c>stx_mtime.tv_nsec</c>.</summary>
    [FieldOffset(0x78)]
    public uint ModifyNanoseconds;

    /// <summary><c>stx_rdev_major</c>.</summary>
    [FieldOffset(0x80)]
    public uint DeviceMajor;

    /// <summary><c>stx_rdev_minor</c>.</summary>
    [FieldOffset(0x84)]
    public uint DeviceMinor;

    /// <summary><c>stx_dev_major</c>: the device of the file system holding the file.</summary>
    [FieldOffset(0x88)]
    public uint FileSystemDeviceMajor;

    /// <summary><c>stx_dev_minor</c>.</summary>
    [FieldOffset(0x8C)]
    public uint FileSystemDeviceMinor;

    /// <summary>The file type the <c>S_IFMT</c> bits of <see cref="Mode"/> name.</summary>
    public readonly UnixFileType FileType => (Mode & FileTypeMask) switch
    {
        0x1000 => UnixFileType.Fifo,            // S_IFIFO
        0x2000 => UnixFileType.CharacterDevice, // S_IFCHR
        0x4000 => UnixFileType.Directory,       // S_IFDIR
        0x6000 => UnixFileType.BlockDevice,     // S_IFBLK
        0x8000 => UnixFileType.RegularFile,     // S_IFREG
        0xA000 => UnixFileType.SymbolicLink,    // S_IFLNK
        0xC000 => UnixFileType.Socket,          // S_IFSOCK
        _ => UnixFileType.Unknown,
    };

    /// <summary>The permission, set-id and sticky bits of <see cref="Mode"/>.</summary>
    public readonly int Permissions => Mode & 0xFFF;
}
