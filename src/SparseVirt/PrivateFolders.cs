using System.Globalization;
using System.Text;

namespace SparseVirt;

/// <summary>
/// Private folders (mode 0700) for sockets, named <c>PREFIX-PID-RANDOM</c> so that the next start can tell a folder
/// whose process is gone: a <c>run</c> or <c>serve</c> killed by SIGKILL cannot remove its own, so every creation
/// first sweeps the stale folders of its prefix that belong to this user and to no running process. The one helper for
/// the private socket folders of <c>run</c> (QEMU's monitor, serial and guest agent sockets) and <c>serve</c> (NBD).
/// </summary>
internal static class PrivateFolders
{
    /// <summary>
    /// The longest Unix socket path that binds everywhere: <c>sockaddr_un.sun_path</c> holds 108 bytes on Linux and
    /// 104 on macOS, the terminating NUL included.
    /// </summary>
    public const int MaxSocketPathBytes = 103;

    /// <summary>Creates the folder in <paramref name="parent"/> (the temporary folder when null), after sweeping stale ones.</summary>
    public static string Create(string prefix, string? parent = null)
    {
        parent ??= Path.GetTempPath();
        SweepStale(prefix, parent);
        string path = Path.Combine(parent, NewName(prefix));
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    /// <summary>
    /// Creates a folder for Unix sockets named up to <paramref name="longestSocketName"/> bytes: in the temporary folder,
    /// or in <c>/tmp</c> where a long <c>TMPDIR</c> would make the sockets' paths too long to bind.
    /// </summary>
    public static string CreateForSockets(string prefix, int longestSocketName) =>
        Create(prefix, SocketParent(Path.GetTempPath(), prefix, longestSocketName));

    /// <summary>Removes a folder made here with what is in it; one already gone, or that cannot be removed, is left (harmless).</summary>
    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Where <see cref="CreateForSockets"/> puts its folder: <paramref name="tempPath"/> when a socket path in it fits
    /// <see cref="MaxSocketPathBytes"/>, else <c>/tmp</c>, which always leaves room.
    /// </summary>
    internal static string SocketParent(string tempPath, string prefix, int longestSocketName)
    {
        int socketPathBytes = Encoding.UTF8.GetByteCount(Path.Combine(tempPath, NewName(prefix))) + 1 + longestSocketName;
        return OperatingSystem.IsWindows() || socketPathBytes <= MaxSocketPathBytes || !Directory.Exists("/tmp") ? tempPath : "/tmp";
    }

    /// <summary>Removes the folders of <paramref name="prefix"/> in <paramref name="parent"/> whose process is gone; the count removed.</summary>
    internal static int SweepStale(string prefix, string parent)
    {
        // Only where a process's liveness can be told (procfs); elsewhere nothing is removed.
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self"))
        {
            return 0;
        }
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, prefix + "*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string folder in candidates)
        {
            string rest = Path.GetFileName(folder)[prefix.Length..];
            int dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int processId)
                || processId == Environment.ProcessId || Directory.Exists($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}"))
            {
                continue;
            }
            try
            {
                // Another user's folder (a shared /tmp) refuses this, which is right.
                Directory.Delete(folder, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return removed;
    }

    private static string NewName(string prefix) =>
        $"{prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)}";
}
