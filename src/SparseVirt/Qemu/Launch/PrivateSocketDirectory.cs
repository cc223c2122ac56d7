namespace SparseVirt.Qemu.Launch;

/// <summary>
/// A fresh folder for the launch's sockets. <see cref="Directory.CreateTempSubdirectory"/> makes it mode 0700 on Unix,
/// so no other user can connect to the monitor or the serial console.
/// </summary>
internal sealed class PrivateSocketDirectory : IDisposable
{
    private PrivateSocketDirectory(string fullPath)
    {
        FullPath = fullPath;
    }

    public string FullPath { get; }

    public static PrivateSocketDirectory Create()
    {
        const string Prefix = "sparsevirt-qemu-";
        // Socket paths are limited to about 100 bytes: a long TMPDIR would make them fail, /tmp never does.
        if (OperatingSystem.IsWindows() || Path.GetTempPath().Length <= 60 || !Directory.Exists("/tmp"))
        {
            return new PrivateSocketDirectory(Directory.CreateTempSubdirectory(Prefix).FullName);
        }
        string path = Path.Combine("/tmp", Prefix + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new PrivateSocketDirectory(path);
    }

    public string Combine(string name) => Path.Combine(FullPath, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // Leaving an empty socket folder behind in the temporary folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
