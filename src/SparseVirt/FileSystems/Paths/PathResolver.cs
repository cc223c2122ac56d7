using System.Collections.Concurrent;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Paths;

/// <summary>A node found by path, with its path as resolved (intermediate links followed, <c>..</c> applied).</summary>
internal readonly record struct ResolvedNode(string Path, FileSystemNode Node);

/// <summary>
/// Resolves absolute paths inside a file system as the kernel does: <c>.</c> and empty components are skipped,
/// <c>..</c> goes to the parent of the directory actually reached (so after a link, the link target's parent), a link
/// in the middle is followed (an absolute target from the file system's root), the last component's link only when
/// asked (<c>stat</c> against <c>lstat</c>), and more than <see cref="MaxLinkHops"/> links is an error, like ELOOP.
/// </summary>
internal sealed class PathResolver(FileSystemDriver driver)
{
    /// <summary>Linux's limit on links followed in one lookup (<c>MAXSYMLINKS</c>).</summary>
    public const int MaxLinkHops = 40;

    // Names cached across lookups, at most this many in all (then the cache starts again): resolving every path of a
    // walk (extract opens each file by path) would otherwise read and scan each directory once per file in it.
    private const int MaxCachedNames = 1 << 20;
    private readonly ConcurrentDictionary<ulong, Dictionary<string, ulong>> _directories = new();
    private int _cachedNames;

    /// <summary>The root directory.</summary>
    public async ValueTask<ResolvedNode> RootAsync(bool async, CancellationToken cancellationToken) =>
        new("/", await driver.ReadNodeAsync(driver.RootInode, async, cancellationToken).ConfigureAwait(false));

    /// <summary>Resolves <paramref name="path"/>; with <paramref name="followLast"/>, a final link is followed too.</summary>
    /// <exception cref="ArgumentException">The path is not absolute.</exception>
    /// <exception cref="FileNotFoundException">The last component does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A component before the last does not exist or is not a directory.</exception>
    /// <exception cref="IOException">Too many symbolic links.</exception>
    public async ValueTask<ResolvedNode> ResolveAsync(string path, bool followLast, bool async, CancellationToken cancellationToken)
    {
        CheckAbsolute(path);
        ResolvedNode root = await RootAsync(async, cancellationToken).ConfigureAwait(false);
        var reached = new List<(string Name, FileSystemNode Node)>();
        var pending = new Stack<string>();
        Push(pending, path);
        int hops = 0;
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (name.Length == 0 || name == ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (reached.Count > 0)
                {
                    reached.RemoveAt(reached.Count - 1);
                }
                continue;
            }
            FileSystemNode directory = reached.Count == 0 ? root.Node : reached[^1].Node;
            string directoryPath = Join(reached);
            if (directory.Kind != FileSystemEntryKind.Directory)
            {
                throw new DirectoryNotFoundException($"{path}: {directoryPath} is not a directory.");
            }
            FileSystemNode child = await LookUpAsync(directory, name, async, cancellationToken).ConfigureAwait(false)
                ?? throw NotFound(path, directoryPath, name, last: pending.All(p => p.Length == 0 || p == "."));
            bool last = pending.All(p => p.Length == 0 || p == ".");
            if (child.Kind == FileSystemEntryKind.SymbolicLink && (!last || followLast))
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"{path}: too many levels of symbolic links (over {MaxLinkHops}; a loop?).");
                }
                string target = await driver.ReadLinkAsync(child, async, cancellationToken).ConfigureAwait(false);
                if (target.StartsWith('/'))
                {
                    reached.Clear();
                }
                Push(pending, target);
                continue;
            }
            reached.Add((name, child));
        }
        return reached.Count == 0 ? root : new ResolvedNode(Join(reached), reached[^1].Node);
    }

    /// <summary>The node named <paramref name="name"/> in <paramref name="directory"/>, or null.</summary>
    public async ValueTask<FileSystemNode?> LookUpAsync(FileSystemNode directory, string name, bool async, CancellationToken cancellationToken)
    {
        if (!_directories.TryGetValue(directory.Inode, out Dictionary<string, ulong>? names))
        {
            IReadOnlyList<DirectoryRecord> records = await driver.ReadDirectoryAsync(directory, async, cancellationToken).ConfigureAwait(false);
            names = new Dictionary<string, ulong>(records.Count, StringComparer.Ordinal);
            foreach (DirectoryRecord record in records)
            {
                names.TryAdd(record.Name, record.Inode);
            }
            if (Interlocked.Add(ref _cachedNames, names.Count) > MaxCachedNames)
            {
                _directories.Clear();
                Interlocked.Exchange(ref _cachedNames, names.Count);
            }
            _directories[directory.Inode] = names;
        }
        return names.TryGetValue(name, out ulong inode)
            ? await driver.ReadNodeAsync(inode, async, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>Joins a directory's path and a name.</summary>
    public static string Child(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    private static void CheckAbsolute(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/') || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not an absolute path inside the file system (it must start with '/').", nameof(path));
        }
    }

    private static void Push(Stack<string> pending, string path)
    {
        string[] names = path.Split('/');
        for (int i = names.Length - 1; i >= 0; i--)
        {
            pending.Push(names[i]);
        }
    }

    private static string Join(List<(string Name, FileSystemNode Node)> reached) =>
        reached.Count == 0 ? "/" : "/" + string.Join('/', reached.Select(r => r.Name));

    private static IOException NotFound(string path, string directory, string name, bool last) => last
        ? new FileNotFoundException($"{path}: no such file or directory (no '{name}' in {directory}).", path)
        : new DirectoryNotFoundException($"{path}: no such directory (no '{name}' in {directory}).");
}
