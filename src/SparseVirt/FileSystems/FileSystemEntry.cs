namespace SparseVirt.FileSystems;

/// <summary>
/// One entry of a file system as <c>lstat</c> would describe it: a symbolic link is described itself, not followed.
/// </summary>
/// <param name="Path">The entry's absolute path inside the file system, <c>/</c>-separated (the root is <c>/</c>).</param>
/// <param name="Kind">What the entry is.</param>
/// <param name="Inode">The inode number (for EROFS, the number the kernel reports: the inode's on-disk slot, <c>nid</c>).</param>
/// <param name="Length">The length in bytes (a file's size; a symbolic link's target length; a directory's size on disk).</param>
/// <param name="Mode">The permission bits, including set-user-ID, set-group-ID and sticky (the low 12 bits of <c>st_mode</c>).</param>
/// <param name="UserId">The owner's user ID.</param>
/// <param name="GroupId">The owner's group ID.</param>
/// <param name="ModifiedTime">The last modification time (<c>mtime</c>), with the file system's precision.</param>
/// <param name="LinkCount">The number of hard links.</param>
/// <param name="LinkTarget">The target of a symbolic link, as stored; null for other kinds.</param>
/// <param name="DeviceNumber">The device number of a device node (<c>st_rdev</c>, Linux encoding); 0 for other kinds.</param>
public sealed record FileSystemEntry(
    string Path,
    FileSystemEntryKind Kind,
    ulong Inode,
    long Length,
    UnixFileMode Mode,
    uint UserId,
    uint GroupId,
    DateTimeOffset ModifiedTime,
    uint LinkCount,
    string? LinkTarget,
    ulong DeviceNumber)
{
    /// <summary>The last path component (empty for the root).</summary>
    public string Name => Path.Length <= 1 ? string.Empty : Path[(Path.LastIndexOf('/') + 1)..];
}
