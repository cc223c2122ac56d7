using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SparseVirt.Cli.Run;

/// <summary>
/// Expanded copies of Android sparse disks, made once and reused. An entry's name holds a key made of the sparse
/// file's full path, size and modification time, so an entry is valid exactly while its source is unchanged. An
/// entry only ever appears by rename, so its existence means it is complete; a lock file per entry keeps two runs
/// from expanding the same disk at once (the second waits, then reuses the first one's result).
/// </summary>
internal sealed class SparseDiskCache
{
    private static readonly TimeSpan s_lockPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Func<string, string, CancellationToken, Task> _expand;

    /// <param name="folder">The cache folder (created when missing).</param>
    /// <param name="expand">Expands a sparse image (first argument) into a raw file (second), atomically.</param>
    public SparseDiskCache(string folder, Func<string, string, CancellationToken, Task> expand)
    {
        Folder = folder;
        _expand = expand;
    }

    public string Folder { get; }

    /// <summary>The default cache folder: $SPARSEVIRT_CACHE, else $XDG_CACHE_HOME/sparsevirt/disks, else ~/.cache/sparsevirt/disks.</summary>
    public static string DefaultFolder()
    {
        string? configured = Environment.GetEnvironmentVariable("SPARSEVIRT_CACHE");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }
        return Path.Combine(UserCacheRoot() ?? Path.GetTempPath(), "sparsevirt", "disks");
    }

    /// <summary>
    /// Where QEMU binary probes are kept between runs: $XDG_CACHE_HOME/sparsevirt/qemu-probes, else
    /// ~/.cache/sparsevirt/qemu-probes; null (probe in every run) without a home folder.
    /// </summary>
    public static string? ProbeFolder() =>
        UserCacheRoot() is { } root ? Path.Combine(root, "sparsevirt", "qemu-probes") : null;

    private static string? UserCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return xdg;
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache");
    }

    /// <summary>Returns the path of the expanded copy of <paramref name="sparsePath"/>, expanding it first when needed.</summary>
    /// <returns>The raw file's path, and whether it was already in the cache.</returns>
    public async Task<(string RawPath, bool Reused)> GetOrExpandAsync(string sparsePath, CancellationToken cancellationToken)
    {
        var source = new FileInfo(sparsePath);
        if (!source.Exists)
        {
            throw new FileNotFoundException($"'{sparsePath}' does not exist.", sparsePath);
        }
        Directory.CreateDirectory(Folder);
        string entry = Path.Combine(Folder, EntryName(source));
        if (File.Exists(entry))
        {
            return (entry, true);
        }

        await using FileStream lockFile = await AcquireLockAsync(entry + ".lock", cancellationToken).ConfigureAwait(false);
        if (File.Exists(entry))
        {
            return (entry, true); // another run expanded it while this one waited
        }
        await _expand(source.FullName, entry, cancellationToken).ConfigureAwait(false);
        return (entry, false);
    }

    internal static string EntryName(FileInfo source)
    {
        string identity = string.Create(CultureInfo.InvariantCulture, $"{source.FullName}\n{source.Length}\n{source.LastWriteTimeUtc.Ticks}");
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
        return $"{Path.GetFileNameWithoutExtension(source.Name)}-{hash}.raw";
    }

    private static async Task<FileStream> AcquireLockAsync(string lockPath, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock on Unix: a second opener fails until the first closes.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException e) when (IsHeldByAnotherOpener(e))
            {
                await Task.Delay(s_lockPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A held lock is EWOULDBLOCK from flock on Unix (.NET puts the errno in HResult) and a sharing violation on Windows.
    // Any other I/O error (read-only or full file system, ...) is real: retrying it would wait forever.
    private static bool IsHeldByAnotherOpener(IOException e) => e.HResult == (OperatingSystem.IsWindows()
        ? unchecked((int)0x80070020) // HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION)
        : OperatingSystem.IsLinux() ? 11 : 35); // EAGAIN (== EWOULDBLOCK) on Linux; on macOS and the BSDs
}
