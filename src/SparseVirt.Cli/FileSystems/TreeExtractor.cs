using SparseVirt.BlockSources;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.FileSystems;

/// <summary>
/// Writes entries of a file system image to the host: files (holes left as holes), directories, links, with modes
/// and mtimes, and owners when running as root (as tar does). Device nodes, FIFOs and sockets are skipped with a
/// note. A tree is written under a temporary name beside its destination and renamed on success; one file is
/// written to a temporary file and renamed over its destination; a failure leaves nothing behind.
/// </summary>
internal sealed class TreeExtractor(FileSystemImage image, TextWriter notes)
{
    private const int CopyBuffer = 1 << 20;
    private readonly bool _restoreOwners = Environment.IsPrivilegedProcess;
    private readonly List<(string Path, FileSystemEntry Entry)> _directories = [];

    /// <summary>How many entries were written, and how many were skipped.</summary>
    public (int Written, int Skipped) Counts { get; private set; }

    /// <summary>Extracts the entry at <paramref name="path"/> (a directory with everything below it) to <paramref name="destination"/>.</summary>
    public async Task ExtractAsync(string path, string destination, CancellationToken cancellationToken)
    {
        FileSystemEntry top = await image.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        if (top.Kind != FileSystemEntryKind.Directory && Directory.Exists(destination))
        {
            destination = Path.Combine(destination, top.Name.Length == 0 ? "root" : top.Name);
        }
        if (top.Kind == FileSystemEntryKind.Directory && Path.Exists(destination))
        {
            throw new IOException($"{destination} already exists; extract writes a directory tree to a new name.");
        }
        string full = Path.GetFullPath(destination);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.sparsevirt-{Guid.NewGuid():N}");
        try
        {
            if (top.Kind == FileSystemEntryKind.Directory)
            {
                await ExtractTreeAsync(top, temporary, cancellationToken).ConfigureAwait(false);
                Directory.Move(temporary, full);
            }
            else if (await WriteEntryAsync(top, temporary, cancellationToken).ConfigureAwait(false))
            {
                File.Move(temporary, full, overwrite: true);
            }
        }
        catch
        {
            Remove(temporary);
            throw;
        }
    }

    private async Task ExtractTreeAsync(FileSystemEntry top, string root, CancellationToken cancellationToken)
    {
        await foreach (FileSystemEntry entry in image.WalkAsync(top.Path, cancellationToken).ConfigureAwait(false))
        {
            string relative = entry.Path.Length > top.Path.Length ? entry.Path[top.Path.Length..].TrimStart('/') : string.Empty;
            string target = relative.Length == 0 ? root : Path.Combine(root, relative);
            if (entry.Kind == FileSystemEntryKind.Directory)
            {
                Directory.CreateDirectory(target);
                _directories.Add((target, entry));
                Counts = (Counts.Written + 1, Counts.Skipped);
                continue;
            }
            await WriteEntryAsync(entry, target, cancellationToken).ConfigureAwait(false);
        }
        // Deepest first, so a directory's mtime is set after its contents are written and a read-only one is made so last.
        for (int i = _directories.Count - 1; i >= 0; i--)
        {
            SetAttributes(_directories[i].Path, _directories[i].Entry);
        }
    }

    private async Task<bool> WriteEntryAsync(FileSystemEntry entry, string target, CancellationToken cancellationToken)
    {
        switch (entry.Kind)
        {
            case FileSystemEntryKind.File:
                await WriteFileAsync(entry, target, cancellationToken).ConfigureAwait(false);
                SetAttributes(target, entry);
                break;
            case FileSystemEntryKind.SymbolicLink:
                File.CreateSymbolicLink(target, entry.LinkTarget!);
                if (_restoreOwners)
                {
                    OwnerChange.Set(target, entry.UserId, entry.GroupId);
                }
                break;
            default:
                await notes.WriteLineAsync($"sparsevirt: skipped {entry.Path}: a {EntryFormat.KindName(entry.Kind)} is not extracted").ConfigureAwait(false);
                Counts = (Counts.Written, Counts.Skipped + 1);
                return false;
        }
        Counts = (Counts.Written + 1, Counts.Skipped);
        return true;
    }

    private async Task WriteFileAsync(FileSystemEntry entry, string target, CancellationToken cancellationToken)
    {
        IReadOnlyList<BlockExtent> extents = await image.GetFileExtentsAsync(entry.Path, cancellationToken).ConfigureAwait(false);
        await using Stream source = await image.OpenFileAsync(entry.Path, cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        byte[] buffer = new byte[(int)Math.Min(CopyBuffer, Math.Max(entry.Length, 1))];
        foreach (BlockExtent extent in extents.Where(e => e.Kind == BlockExtentKind.Data))
        {
            source.Position = extent.Offset;
            output.Position = extent.Offset;
            for (long left = extent.Length; left > 0;)
            {
                int read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"{entry.Path}: ended at byte {extent.End - left} of {entry.Length}.");
                }
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                left -= read;
            }
        }
        // Holes are never written: the length is set last, so a trailing hole stays one.
        output.SetLength(entry.Length);
    }

    private void SetAttributes(string target, FileSystemEntry entry)
    {
        if (_restoreOwners)
        {
            OwnerChange.Set(target, entry.UserId, entry.GroupId);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, entry.Mode);
        }
        if (entry.Kind == FileSystemEntryKind.Directory)
        {
            Directory.SetLastWriteTimeUtc(target, entry.ModifiedTime.UtcDateTime);
        }
        else
        {
            File.SetLastWriteTimeUtc(target, entry.ModifiedTime.UtcDateTime);
        }
    }

    private static void Remove(string temporary)
    {
        try
        {
            if (Directory.Exists(temporary) && new DirectoryInfo(temporary).LinkTarget is null)
            {
                Directory.Delete(temporary, recursive: true);
            }
            else if (Path.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
        catch (IOException)
        {
            // Best effort: the original error is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
            // A read-only directory from the image; the original error is the one to report.
        }
    }
}
