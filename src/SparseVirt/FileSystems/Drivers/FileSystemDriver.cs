using SparseVirt.BlockSources;

namespace SparseVirt.FileSystems.Drivers;

/// <summary>
/// One on-disk format (ext4, EROFS) read from a block source: inodes, directories, file data, links, attributes.
/// Path resolution, symbolic-link following, walks and their cycle checks, the file <c>Stream</c> and the public
/// API are common code above this class; a driver only decodes its format.
/// </summary>
/// <remarks>
/// Every method follows the library's one sync/async pattern (docs/architecture.md, Conventions): <c>async</c> true
/// awaits the source's <c>ReadAsync</c>, false calls <c>Read</c> and completes synchronously. Drivers are safe for
/// concurrent calls (they keep no per-call state in fields). Malformed structures throw
/// <see cref="InvalidDataException"/> naming the structure and the inode or byte offset; no allocation is sized by
/// an on-disk field without a bound checked first.
/// </remarks>
internal abstract class FileSystemDriver
{
    /// <summary>The format this driver reads.</summary>
    public abstract FileSystemKind Kind { get; }

    /// <summary>The root directory's inode number.</summary>
    public abstract ulong RootInode { get; }

    /// <summary>The file system's block size in bytes.</summary>
    public abstract int BlockSize { get; }

    /// <summary>The volume label (ext4 <c>s_volume_name</c>, EROFS <c>volume_name</c>); empty when none.</summary>
    public abstract string Label { get; }

    /// <summary>
    /// What a reader should know about the file system as opened (an ext4 journal not replayed, errors recorded),
    /// one sentence each; the public API logs them once. Empty by default.
    /// </summary>
    public virtual IReadOnlyList<string> Warnings => [];

    /// <summary>Reads and decodes one inode.</summary>
    /// <exception cref="InvalidDataException">The inode number is out of range or the inode is malformed.</exception>
    public abstract ValueTask<FileSystemNode> ReadNodeAsync(ulong inode, bool async, CancellationToken cancellationToken);

    /// <summary>The names in a directory node, in on-disk order, without <c>.</c> and <c>..</c>.</summary>
    public abstract ValueTask<IReadOnlyList<DirectoryRecord>> ReadDirectoryAsync(
        FileSystemNode directory, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a file node's bytes at <paramref name="offset"/> into <paramref name="destination"/>, holes as zeros;
    /// returns the count read (less than the destination only at the end of the file).
    /// </summary>
    public abstract ValueTask<int> ReadFileAsync(
        FileSystemNode file, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken);

    /// <summary>The ranges of a file node that hold data, in order; the rest are holes.</summary>
    public abstract ValueTask<IReadOnlyList<FileDataRange>> GetDataRangesAsync(
        FileSystemNode file, bool async, CancellationToken cancellationToken);

    /// <summary>A symbolic link node's target, as stored.</summary>
    public abstract ValueTask<string> ReadLinkAsync(FileSystemNode link, bool async, CancellationToken cancellationToken);

    /// <summary>A node's extended attributes (empty when the format or the node has none).</summary>
    public abstract ValueTask<IReadOnlyList<ExtendedAttribute>> ReadExtendedAttributesAsync(
        FileSystemNode node, bool async, CancellationToken cancellationToken);
}
