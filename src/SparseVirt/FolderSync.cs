using SparseVirt.Interop;

namespace SparseVirt;

/// <summary>
/// Makes a folder's entries durable (fsync of the folder), after a file was created or renamed into it: without it
/// the file's data may be on disk while its name is not. Linux only; elsewhere a no-op, as .NET cannot open a folder.
/// </summary>
internal static class FolderSync
{
    /// <summary>fsyncs the folder holding <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The folder could not be opened or synced.</exception>
    public static void OfFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        using SafeFileDescriptorHandle handle = SafeFileDescriptorHandle.Open(folder, Libc.OpenReadOnly | Libc.OpenDirectory | Libc.OpenCloseOnExec);
        if (handle.IsInvalid || Libc.Fsync(handle) != 0)
        {
            throw Errno.LastErrorToException("Cannot sync the folder", folder);
        }
    }
}
