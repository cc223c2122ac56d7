using System.Globalization;

namespace SparseVirt;

/// <summary>
/// Private folders (mode 0700) for sockets, named <c>PREFIX-PID-RANDOM</c> so that the next start can tell a folder
/// whose process is gone: a <c>run</c> or <c>serve</c> killed by SIGKILL cannot remove its own, so every creation
/// first sweeps the stale folders of its prefix that belong to this user and to no running process.
/// </summary>
internal static class PrivateFolders
{
    /// <summary>Creates the folder in <paramref name="parent"/> (the temporary folder when null), after sweeping stale ones.</summary>
    public static string Create(string prefix, string? parent = null)
    {
        parent ??= Path.GetTempPath();
        SweepStale(prefix, parent);
        string name = $"{prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)}";
        string path = Path.Combine(parent, name);
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
}
