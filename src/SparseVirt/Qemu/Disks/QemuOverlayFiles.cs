using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Qemu.CommandLine;

namespace SparseVirt.Qemu.Disks;

/// <summary>Creates qcow2 overlays with <c>qemu-img</c>, and reuses one only while its backing is unchanged.</summary>
public static class QemuOverlayFiles
{
    /// <summary>The suffix of the file next to an overlay that records what its backing was when it was made.</summary>
    public const string BaseRecordSuffix = ".base.json";

    /// <summary>
    /// Makes sure <paramref name="overlay"/>'s file exists over its backing: creates it (<c>qemu-img create -f qcow2 -b
    /// BACKING -F FORMAT</c>, into a temporary file renamed on success) when missing, keeps it when it was made over the
    /// same backing (same reference and format, and for a file the same size and modification time), and replaces it
    /// with an empty one otherwise, as an emulator does when the system image changes. Only the top overlay is
    /// handled; a backing overlay must already exist.
    /// </summary>
    /// <exception cref="FileNotFoundException">The backing file does not exist.</exception>
    /// <exception cref="QemuBinaryNotFoundException"><c>qemu-img</c> is not installed.</exception>
    /// <exception cref="IOException"><c>qemu-img</c> failed; the message has its error output.</exception>
    public static async Task<QemuOverlayPreparation> EnsureAsync(QemuOverlay overlay, QemuImageToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        options ??= QemuImageToolOptions.Default;
        ILogger logger = options.Logger ?? NullLogger.Instance;
        string path = Path.GetFullPath(overlay.Path);
        if (overlay.Backing is not QemuNbdExport && !File.Exists(Path.GetFullPath(overlay.Backing.Describe())))
        {
            throw new FileNotFoundException($"The overlay '{path}' is over '{overlay.Backing.Describe()}', which does not exist.", overlay.Backing.Describe());
        }
        OverlayBaseRecord current = OverlayBaseRecord.Describe(overlay);
        string? reason = null;
        if (File.Exists(path))
        {
            reason = WhyNotReusable(path, current);
            if (reason is null)
            {
                QemuImageLog.OverlayReused(logger, path, current.Backing);
                return new QemuOverlayPreparation(QemuOverlayAction.Reused, null);
            }
        }
        string binary = QemuBinaryLocator.ResolveTool(options.BinaryPath, "qemu-img", "qemu-utils");
        string folder = Path.GetDirectoryName(path)!;
        // Same folder, so a backing path relative to the overlay means the same file for the temporary one.
        string temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Path.GetRandomFileName() + ".tmp");
        try
        {
            await QemuImageTool.RunAsync(binary, ["create", "-q", "-f", "qcow2", "-b", current.Backing, "-F", current.BackingFormat, temporary], cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        WriteRecord(path + BaseRecordSuffix, current);
        QemuImageLog.OverlayCreated(logger, path, current.Backing, reason ?? "it did not exist");
        return new QemuOverlayPreparation(reason is null ? QemuOverlayAction.Created : QemuOverlayAction.Recreated, reason);
    }

    private static string? WhyNotReusable(string path, OverlayBaseRecord current)
    {
        string recordPath = path + BaseRecordSuffix;
        if (!File.Exists(recordPath))
        {
            return $"there is no record of its backing ({Path.GetFileName(recordPath)})";
        }
        OverlayBaseRecord? made;
        try
        {
            made = JsonSerializer.Deserialize(File.ReadAllBytes(recordPath), OverlayJsonContext.Default.OverlayBaseRecord);
        }
        catch (JsonException e)
        {
            return $"the record of its backing is unreadable ({e.Message})";
        }
        if (made is null)
        {
            return "the record of its backing is empty";
        }
        if (made.Backing != current.Backing || made.BackingFormat != current.BackingFormat)
        {
            return $"it was made over '{made.Backing}' ({made.BackingFormat}), not '{current.Backing}' ({current.BackingFormat})";
        }
        if (made.Size != current.Size || made.ModifiedUtcTicks != current.ModifiedUtcTicks)
        {
            return $"the backing '{current.Backing}' changed since (size or modification time differ)";
        }
        return null;
    }

    private static void WriteRecord(string recordPath, OverlayBaseRecord record)
    {
        using AtomicFileOutput output = AtomicFileOutput.Create(recordPath);
        output.Stream.Write(JsonSerializer.SerializeToUtf8Bytes(record, OverlayJsonContext.Default.OverlayBaseRecord));
        output.Commit();
    }
}
