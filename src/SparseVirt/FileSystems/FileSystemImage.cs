using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Paths;

namespace SparseVirt.FileSystems;

/// <summary>
/// A file system (ext4 or EROFS) read straight from a block source (a raw or sparse image, a partition inside a
/// super image or a GPT disk), nothing expanded and nothing written: entries, directory listings, file bytes as a
/// seekable stream that reads only the blocks it needs, a walk, and extended attributes.
/// </summary>
/// <remarks>
/// Paths are absolute and <c>/</c>-separated. Links in the middle of a path are followed (an absolute target from
/// this file system's root); <see cref="GetEntry"/>, <see cref="GetExtendedAttributes"/> and <see cref="Walk"/>
/// describe a final link itself (<c>lstat</c>), while <see cref="ListDirectory"/>, <see cref="OpenFile"/> and
/// <see cref="GetFileExtents"/> follow it (<c>stat</c>). The paths in returned entries are as resolved. The image
/// does not own the source (its creator disposes it) and may be used from several threads at once. Malformed
/// structures throw <see cref="InvalidDataException"/> naming the structure and the inode or offset.
/// </remarks>
public sealed partial class FileSystemImage
{
    private readonly FileSystemDriver _driver;
    private readonly PathResolver _paths;

    private FileSystemImage(FileSystemDriver driver)
    {
        _driver = driver;
        _paths = new PathResolver(driver);
    }

    /// <summary>The file system's format.</summary>
    public FileSystemKind Kind => _driver.Kind;

    /// <summary>The volume label; empty when none.</summary>
    public string Label => _driver.Label;

    /// <summary>The file system's block size in bytes.</summary>
    public int BlockSize => _driver.BlockSize;

    /// <summary>Recognises the file system on <paramref name="source"/> by its superblock and opens it.</summary>
    /// <exception cref="InvalidDataException">No ext4 or EROFS superblock, or a malformed one.</exception>
    /// <exception cref="NotSupportedException">A feature this reader cannot read (named in the message).</exception>
    public static FileSystemImage Open(IBlockSource source, ILogger? logger = null) =>
        SyncPath.Complete(OpenCoreAsync(source, logger, async: false, CancellationToken.None));

    /// <inheritdoc cref="Open"/>
    public static async Task<FileSystemImage> OpenAsync(IBlockSource source, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        await OpenCoreAsync(source, logger, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>The entry at <paramref name="path"/>, a final link described itself (<c>lstat</c>).</summary>
    /// <exception cref="FileNotFoundException">No such entry.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on the way does not exist or is not a directory.</exception>
    public FileSystemEntry GetEntry(string path) => SyncPath.Complete(GetEntryCoreAsync(path, async: false, CancellationToken.None));

    /// <inheritdoc cref="GetEntry"/>
    public async Task<FileSystemEntry> GetEntryAsync(string path, CancellationToken cancellationToken = default) =>
        await GetEntryCoreAsync(path, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>The entries of the directory at <paramref name="path"/> (a final link followed), in on-disk order, without <c>.</c> and <c>..</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">The path is not a directory.</exception>
    public IReadOnlyList<FileSystemEntry> ListDirectory(string path) => SyncPath.Complete(ListDirectoryCoreAsync(path, async: false, CancellationToken.None));

    /// <inheritdoc cref="ListDirectory"/>
    public async Task<IReadOnlyList<FileSystemEntry>> ListDirectoryAsync(string path, CancellationToken cancellationToken = default) =>
        await ListDirectoryCoreAsync(path, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The bytes of the regular file at <paramref name="path"/> (a final link followed), as a read-only seekable
    /// stream; each read reads only the blocks it covers. Valid while the source is open.
    /// </summary>
    /// <exception cref="IOException">The path is not a regular file.</exception>
    public Stream OpenFile(string path) => SyncPath.Complete(OpenFileCoreAsync(path, async: false, CancellationToken.None));

    /// <inheritdoc cref="OpenFile"/>
    public async Task<Stream> OpenFileAsync(string path, CancellationToken cancellationToken = default) =>
        await OpenFileCoreAsync(path, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Where the regular file at <paramref name="path"/> holds data: extents covering its length in order,
    /// <see cref="BlockExtentKind.Data"/> or <see cref="BlockExtentKind.Hole"/> (holes and unwritten blocks read as zeros).
    /// </summary>
    public IReadOnlyList<BlockExtent> GetFileExtents(string path) => SyncPath.Complete(GetFileExtentsCoreAsync(path, async: false, CancellationToken.None));

    /// <inheritdoc cref="GetFileExtents"/>
    public async Task<IReadOnlyList<BlockExtent>> GetFileExtentsAsync(string path, CancellationToken cancellationToken = default) =>
        await GetFileExtentsCoreAsync(path, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>The extended attributes of the entry at <paramref name="path"/> (a final link described itself), by full name (<c>user.x</c>, <c>security.selinux</c>).</summary>
    public IReadOnlyDictionary<string, byte[]> GetExtendedAttributes(string path) =>
        SyncPath.Complete(GetExtendedAttributesCoreAsync(path, async: false, CancellationToken.None));

    /// <inheritdoc cref="GetExtendedAttributes"/>
    public async Task<IReadOnlyDictionary<string, byte[]>> GetExtendedAttributesAsync(string path, CancellationToken cancellationToken = default) =>
        await GetExtendedAttributesCoreAsync(path, async: true, cancellationToken).ConfigureAwait(false);

    private static async ValueTask<FileSystemImage> OpenCoreAsync(IBlockSource source, ILogger? logger, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        logger ??= NullLogger.Instance;
        FileSystemDriver driver = await DriverSelection.OpenAsync(source, async, cancellationToken).ConfigureAwait(false);
        FileSystemsLog.Opened(logger, driver.Kind, driver.Label, driver.BlockSize);
        foreach (string warning in driver.Warnings)
        {
            FileSystemsLog.OpenWarning(logger, driver.Kind, warning);
        }
        return new FileSystemImage(driver);
    }

    private async ValueTask<FileSystemEntry> GetEntryCoreAsync(string path, bool async, CancellationToken cancellationToken)
    {
        ResolvedNode resolved = await _paths.ResolveAsync(path, followLast: false, async, cancellationToken).ConfigureAwait(false);
        return await Entries.CreateAsync(_driver, resolved, async, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<FileSystemEntry>> ListDirectoryCoreAsync(string path, bool async, CancellationToken cancellationToken)
    {
        ResolvedNode directory = await _paths.ResolveAsync(path, followLast: true, async, cancellationToken).ConfigureAwait(false);
        if (directory.Node.Kind != FileSystemEntryKind.Directory)
        {
            throw new DirectoryNotFoundException($"{path}: not a directory.");
        }
        var entries = new List<FileSystemEntry>();
        foreach (DirectoryRecord record in await _driver.ReadDirectoryAsync(directory.Node, async, cancellationToken).ConfigureAwait(false))
        {
            FileSystemNode node = await _driver.ReadNodeAsync(record.Inode, async, cancellationToken).ConfigureAwait(false);
            var child = new ResolvedNode(PathResolver.Child(directory.Path, record.Name), node);
            entries.Add(await Entries.CreateAsync(_driver, child, async, cancellationToken).ConfigureAwait(false));
        }
        return entries;
    }

    private async ValueTask<Stream> OpenFileCoreAsync(string path, bool async, CancellationToken cancellationToken)
    {
        FileSystemNode file = await ResolveFileAsync(path, async, cancellationToken).ConfigureAwait(false);
        return new BlockSourceStream(new FileBlockSource(_driver, file));
    }

    private async ValueTask<IReadOnlyList<BlockExtent>> GetFileExtentsCoreAsync(string path, bool async, CancellationToken cancellationToken)
    {
        FileSystemNode file = await ResolveFileAsync(path, async, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<FileDataRange> ranges = await _driver.GetDataRangesAsync(file, async, cancellationToken).ConfigureAwait(false);
        return FileExtents.Of(ranges, file.Length);
    }

    private async ValueTask<IReadOnlyDictionary<string, byte[]>> GetExtendedAttributesCoreAsync(string path, bool async, CancellationToken cancellationToken)
    {
        ResolvedNode resolved = await _paths.ResolveAsync(path, followLast: false, async, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ExtendedAttribute> attributes = await _driver.ReadExtendedAttributesAsync(resolved.Node, async, cancellationToken).ConfigureAwait(false);
        var byName = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (ExtendedAttribute attribute in attributes)
        {
            byName[attribute.Name] = attribute.Value.ToArray();
        }
        return byName;
    }

    private async ValueTask<FileSystemNode> ResolveFileAsync(string path, bool async, CancellationToken cancellationToken)
    {
        ResolvedNode resolved = await _paths.ResolveAsync(path, followLast: true, async, cancellationToken).ConfigureAwait(false);
        if (resolved.Node.Kind != FileSystemEntryKind.File)
        {
            throw new IOException($"{path}: not a regular file (it is a {resolved.Node.Kind}).");
        }
        return resolved.Node;
    }
}
