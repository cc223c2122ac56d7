using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.FileSystems;

/// <summary>
/// Writes entries of a file system image to the host: files (holes left as holes), directories, links, with modes
/// and mtimes, and owners when running as root (as tar does). Device nodes, FIFOs and sockets are skipped with a
/// note. A tree is written under a temporary name beside its destination and renamed on success; one file is
/// written to a temporary file and renamed over its destination; a failure leaves nothing behind. It runs the
/// library's synchronous calls (on a thread of its own, <see cref="ExtractAsync"/>): one blocking positional read per
/// range costs less than a thread-pool round trip per inode and block, which a whole tree makes by the hundred thousand.
/// </summary>
internal sealed class TreeExtractor(FileSystemImage image, TextWriter notes)
{
    private const int CopyBuffer = 1 << 20;
    private readonly bool _restoreOwners = Environment.IsPrivilegedProcess;
    private readonly List<(string Path, FileSystemEntry Entry)> _directories = [];
    private readonly byte[] _buffer = new byte[CopyBuffer];

    /// <summary>How many entries were written, and how many were skipped.</summary>
    public (int Written, int Skipped) Counts { get; private set; }

    /// <summary>Extracts the entry at <paramref name="path"/> (a directory with everything below it) to <paramref name="destination"/>.</summary>
    public Task ExtractAsync(string path, string destination, CancellationToken cancellationToken) =>
        Task.Run(() => Extract(path, destination, cancellationToken), cancellationToken);

    private void Extract(string path, string destination, CancellationToken cancellationToken)
    {
        FileSystemEntry top = image.GetEntry(path);
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
                ExtractTree(top, temporary, cancellationToken);
                Directory.Move(temporary, full);
            }
            else if (WriteEntry(top, temporary))
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

    private void ExtractTree(FileSystemEntry top, string root, CancellationToken cancellationToken)
    {
        foreach (FileSystemEntry entry in image.Walk(top.Path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relative = entry.Path.Length > top.Path.Length ? entry.Path[top.Path.Length..].TrimStart('/') : string.Empty;
            string target = relative.Length == 0 ? root : Path.Combine(root, relative);
            if (entry.Kind == FileSystemEntryKind.Directory)
            {
                Directory.CreateDirectory(target);
                _directories.Add((target, entry));
                Counts = (Counts.Written + 1, Counts.Skipped);
                continue;
            }
            WriteEntry(entry, target);
        }
        // Deepest first, so a directory's mtime is set after its contents are written and a read-only one is made so last.
        for (int i = _directories.Count - 1; i >= 0; i--)
        {
            SetAttributes(_directories[i].Path, _directories[i].Entry);
        }
    }

    private bool WriteEntry(FileSystemEntry entry, string target)
    {
        switch (entry.Kind)
        {
            case FileSystemEntryKind.File:
                WriteFile(entry, target);
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
                notes.WriteLine($"sparsevirt: skipped {entry.Path}: a {EntryFormat.KindName(entry.Kind)} is not extracted");
                Counts = (Counts.Written, Counts.Skipped + 1);
                return false;
        }
        Counts = (Counts.Written + 1, Counts.Skipped);
        return true;
    }

    private void WriteFile(FileSystemEntry entry, string target)
    {
        IReadOnlyList<BlockExtent> extents = image.GetFileExtents(entry.Path);
        using Stream source = image.OpenFile(entry.Path);
        using SafeFileHandle output = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write);
        foreach (BlockExtent extent in extents.Where(e => e.Kind == BlockExtentKind.Data))
        {
            source.Position = extent.Offset;
            for (long done = 0; done < extent.Length;)
            {
                int read = source.Read(_buffer, 0, (int)Math.Min(_buffer.Length, extent.Length - done));
                if (read == 0)
                {
                    throw new EndOfStreamException($"{entry.Path}: ended at byte {extent.Offset + done} of {entry.Length}.");
                }
                RandomAccess.Write(output, _buffer.AsSpan(0, read), extent.Offset + done);
                done += read;
            }
        }
        // Holes are never written: the length is set last, so a trailing hole stays one.
        RandomAccess.SetLength(output, entry.Length);
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
