using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Paths;

/// <summary>
/// A depth-first walk (each directory before its contents, names in on-disk order) that never follows links and
/// fails on a directory reached twice (a cycle, or a hard-linked directory), naming both paths.
/// </summary>
internal sealed class TreeWalk(FileSystemDriver driver, ResolvedNode start)
{
    private readonly Stack<ResolvedNode> _pending = new([start]);
    private readonly Dictionary<ulong, string> _directories = [];

    /// <summary>The next entry, or null when the walk is over.</summary>
    public async ValueTask<FileSystemEntry?> NextAsync(bool async, CancellationToken cancellationToken)
    {
        if (!_pending.TryPop(out ResolvedNode current))
        {
            return null;
        }
        if (current.Node.Kind == FileSystemEntryKind.Directory)
        {
            if (!_directories.TryAdd(current.Node.Inode, current.Path))
            {
                throw new InvalidDataException(
                    $"{current.Path}: directory inode {current.Node.Inode} was already reached as {_directories[current.Node.Inode]} (a directory cycle).");
            }
            IReadOnlyList<DirectoryRecord> records = await driver.ReadDirectoryAsync(current.Node, async, cancellationToken).ConfigureAwait(false);
            for (int i = records.Count - 1; i >= 0; i--)
            {
                FileSystemNode child = await driver.ReadNodeAsync(records[i].Inode, async, cancellationToken).ConfigureAwait(false);
                _pending.Push(new ResolvedNode(PathResolver.Child(current.Path, records[i].Name), child));
            }
        }
        return await Entries.CreateAsync(driver, current, async, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Turns a driver's node into the public entry.</summary>
internal static class Entries
{
    public static async ValueTask<FileSystemEntry> CreateAsync(FileSystemDriver driver, ResolvedNode resolved, bool async, CancellationToken cancellationToken)
    {
        FileSystemNode node = resolved.Node;
        string? target = node.Kind == FileSystemEntryKind.SymbolicLink
            ? await driver.ReadLinkAsync(node, async, cancellationToken).ConfigureAwait(false)
            : null;
        return new FileSystemEntry(
            resolved.Path, node.Kind, node.Inode, node.Length, node.Mode, node.UserId, node.GroupId, node.ModifiedTime, node.LinkCount, target, node.DeviceNumber);
    }
}
