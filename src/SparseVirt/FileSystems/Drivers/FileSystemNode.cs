namespace SparseVirt.FileSystems.Drivers;

/// <summary>
/// An inode as a driver decoded it: the metadata every format has (<see cref="FileSystemEntry"/> without a path), and
/// the driver's own decoded state (<see cref="DriverState"/>: an ext4 inode's block map, an EROFS inode's layout and
/// data address) that the driver's later calls on this node use without reading the inode again.
/// </summary>
internal sealed record FileSystemNode(
    ulong Inode,
    FileSystemEntryKind Kind,
    long Length,
    UnixFileMode Mode,
    uint UserId,
    uint GroupId,
    DateTimeOffset ModifiedTime,
    uint LinkCount,
    ulong DeviceNumber,
    object DriverState);

/// <summary>One name in a directory, as stored (never <c>.</c> or <c>..</c>: drivers leave those out).</summary>
internal readonly record struct DirectoryRecord(string Name, ulong Inode);

/// <summary>A range of a file that holds data; the file's other ranges are holes and read as zeros.</summary>
internal readonly record struct FileDataRange(long Offset, long Length);

/// <summary>One extended attribute, its full name with the namespace prefix (<c>user.</c>, <c>security.</c>, ...).</summary>
internal readonly record struct ExtendedAttribute(string Name, ReadOnlyMemory<byte> Value);
