using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID</c>: the fields the device check reads.</summary>
    internal const uint StatxTypeModeOwner = 0x1 | 0x2 | 0x8 | 0x10;

    /// <summary>
    /// <c>int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)</c>. Used rather
    /// than <c>stat</c> because glibc's <c>stat</c> symbol and <c>struct stat</c> layout differ across versions and
    /// architectures, while <c>struct statx</c> is one fixed layout (linux/stat.h).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int directoryFileDescriptor, string path, int flags, uint mask, out StatxBuffer buffer);
}

/// <summary>The fields of <c>struct statx</c> (linux/stat.h, 256 bytes) that the device check reads.</summary>
[StructLayout(LayoutKind.Explicit, Size = 0x100)]
internal struct StatxBuffer
{
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

    /// <summary><c>stx_rdev_major</c>.</summary>
    [FieldOffset(0x80)]
    public uint DeviceMajor;

    /// <summary><c>stx_rdev_minor</c>.</summary>
    [FieldOffset(0x84)]
    public uint DeviceMinor;
}
