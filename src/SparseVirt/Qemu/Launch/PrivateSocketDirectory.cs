namespace SparseVirt.Qemu.Launch;

/// <summary>
/// A fresh folder for the launch's sockets, mode 0700 on Unix (<see cref="PrivateFolders"/>), so no other user can
/// connect to the monitor or the serial console; folders left by killed launches are swept at the next one.
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
        string? parent = OperatingSystem.IsWindows() || Path.GetTempPath().Length <= 60 || !Directory.Exists("/tmp") ? null : "/tmp";
        return new PrivateSocketDirectory(PrivateFolders.Create(Prefix, parent));
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
