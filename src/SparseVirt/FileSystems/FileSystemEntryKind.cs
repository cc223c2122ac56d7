namespace SparseVirt.FileSystems;

/// <summary>What an entry of a file system is, from its inode's mode (the <c>S_IFMT</c> bits).</summary>
public enum FileSystemEntryKind
{
    /// <summary>A regular file.</summary>
    File = 1,

    /// <summary>A directory.</summary>
    Directory = 2,

    /// <summary>A symbolic link; its target is <see cref="FileSystemEntry.LinkTarget"/>.</summary>
    SymbolicLink = 3,

    /// <summary>A character device node.</summary>
    CharacterDevice = 4,

    /// <summary>A block device node.</summary>
    BlockDevice = 5,

    /// <summary>A named pipe.</summary>
    Fifo = 6,

    /// <summary>A Unix domain socket.</summary>
    Socket = 7,
}
