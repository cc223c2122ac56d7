using System.Runtime.CompilerServices;
using SparseVirt.FileSystems.Paths;

namespace SparseVirt.FileSystems;

/// <summary>Walks.</summary>
public sealed partial class FileSystemImage
{
    /// <summary>
    /// Every entry from <paramref name="path"/> down, depth-first, each directory before its contents; links are
    /// described, never followed (the start too). A directory reached twice is a cycle and throws
    /// <see cref="InvalidDataException"/>. Entries come as the walk reads them: a large tree is never held at once.
    /// </summary>
    public IEnumerable<FileSystemEntry> Walk(string path = "/")
    {
        ResolvedNode start = SyncPath.Complete(_paths.ResolveAsync(path, followLast: false, async: false, CancellationToken.None));
        return WalkFrom(start);
    }

    /// <inheritdoc cref="Walk"/>
    public async IAsyncEnumerable<FileSystemEntry> WalkAsync(string path = "/", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ResolvedNode start = await _paths.ResolveAsync(path, followLast: false, async: true, cancellationToken).ConfigureAwait(false);
        var walk = new TreeWalk(_driver, start);
        while (await walk.NextAsync(async: true, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            yield return entry;
        }
    }

    private IEnumerable<FileSystemEntry> WalkFrom(ResolvedNode start)
    {
        var walk = new TreeWalk(_driver, start);
        while (SyncPath.Complete(walk.NextAsync(async: false, CancellationToken.None)) is { } entry)
        {
            yield return entry;
        }
    }
}
