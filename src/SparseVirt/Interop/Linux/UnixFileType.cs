namespace SparseVirt.Interop;

/// <summary>
/// The kinds of file the <c>S_IFMT</c> bits of a Unix mode name (<see cref="StatxBuffer.FileType"/>), the one
/// mapping both the sparse outputs and the KVM device check use.
/// </summary>
internal enum UnixFileType
{
    /// <summary>The type is not known: the bits name no type, or the platform has no statx.</summary>
    Unknown = 0,

    /// <summary><c>S_IFREG</c>: a regular file.</summary>
    RegularFile,

    /// <summary><c>S_IFDIR</c>: a directory.</summary>
    Directory,

    /// <summary><c>S_IFCHR</c>: a character device (/dev/kvm, /dev/null).</summary>
    CharacterDevice,

    /// <summary><c>S_IFBLK</c>: a block device.</summary>
    BlockDevice,

    /// <summary><c>S_IFIFO</c>: a named pipe.</summary>
    Fifo,

    /// <summary><c>S_IFSOCK</c>: a Unix socket.</summary>
    Socket,

    /// <summary><c>S_IFLNK</c>: a symbolic link (only when links are not followed).</summary>
    SymbolicLink,
}
