namespace SparseVirt.FileSystems;

/// <summary>The on-disk file system formats this area reads.</summary>
public enum FileSystemKind
{
    /// <summary>ext4 (and ext2/ext3, which it reads as ext4 without their newer features).</summary>
    Ext4 = 1,

    /// <summary>EROFS, Android's read-only file system, as erofs-utils 1.5 makes it.</summary>
    Erofs = 2,
}
