using System.Globalization;

namespace SparseVirt;

/// <summary>
/// Moves a file that holds a user's writes (an overlay) out of the way when the user asks to start over: to
/// <c>NAME.bak-yyyyMMddTHHmmssZ</c> beside it, never over another backup. Shared by the areas that keep overlays.
/// </summary>
internal static class FileBackups
{
    /// <summary>Moves <paramref name="path"/> aside (or deletes it when <paramref name="keepBackup"/> is false); the backup's path, or null.</summary>
    public static string? MoveAside(string path, bool keepBackup)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        if (!keepBackup)
        {
            File.Delete(path);
            return null;
        }
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string candidate = $"{path}.bak-{stamp}";
        for (int n = 2; File.Exists(candidate); n++)
        {
            candidate = $"{path}.bak-{stamp}-{n}";
        }
        File.Move(path, candidate, overwrite: false);
        return candidate;
    }
}
