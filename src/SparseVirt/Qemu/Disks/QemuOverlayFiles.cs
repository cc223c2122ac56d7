using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Qemu.CommandLine;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// Creates qcow2 overlays with <c>qemu-img</c> and reuses them: an existing overlay holds a user's writes and is
/// never emptied or replaced unless the caller asks (<see cref="ResetAsync"/>).
/// </summary>
/// <remarks>
/// Libvirt never recreates a disk it did not create, and the Android emulator wipes its userdata overlay only on
/// <c>-wipe-data</c>; this follows them. An overlay is reused while its base's <em>content</em> is the one it was made
/// over: a touched, copied or restored base with the same bytes keeps its overlay, checked by a full-content hash that
/// is read again only when the file's stamp (device, inode, size, times) changed.
/// </remarks>
public static class QemuOverlayFiles
{
    /// <summary>The suffix of the file next to an overlay that records what its backing was when it was made.</summary>
    public const string BaseRecordSuffix = ".base.json";

    /// <summary>
    /// Makes sure <paramref name="overlay"/>'s file exists over its backing. A missing file is created (<c>qemu-img
    /// create -f qcow2 -b BACKING -F FORMAT</c>, into a temporary file renamed on success). An existing one is reused
    /// when it was made over the same base: the same format and the same content (<see cref="QemuOverlay.IdentitySource"/>),
    /// or for an NBD export without an identity source the same reference; when only the reference moved (a copied
    /// base, a new socket) the header is re-pointed with <c>qemu-img rebase -u</c>. An overlay without our record is
    /// adopted when <c>qemu-img info</c> shows it over this backing and format. Anything else is refused, the file left
    /// untouched. Only the top overlay is handled; a backing overlay must already exist.
    /// </summary>
    /// <exception cref="QemuOverlayRefusedException">The overlay exists but is not over this base; it was not changed.</exception>
    /// <exception cref="FileNotFoundException">The backing file does not exist.</exception>
    /// <exception cref="QemuBinaryNotFoundException"><c>qemu-img</c> is not installed.</exception>
    /// <exception cref="IOException"><c>qemu-img</c> failed; the message has its error output.</exception>
    public static async Task<QemuOverlayPreparation> EnsureAsync(QemuOverlay overlay, QemuImageToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        (string path, QemuImageToolOptions tool, ILogger logger) = Prepare(overlay, options);
        if (!File.Exists(path))
        {
            await CreateAsync(overlay, path, tool, cancellationToken).ConfigureAwait(false);
            QemuImageLog.OverlayCreated(logger, path, overlay.BackingReference(), "it did not exist");
            return new QemuOverlayPreparation(QemuOverlayAction.Created, null);
        }

        OverlayBaseRecord? made = ReadRecord(path);
        if (made is null)
        {
            string adopted = await AdoptAsync(overlay, path, tool, cancellationToken).ConfigureAwait(false);
            QemuImageLog.OverlayReused(logger, path, overlay.BackingReference());
            return new QemuOverlayPreparation(QemuOverlayAction.Adopted, adopted);
        }

        OverlayBaseRecord current = await CheckSameBaseAsync(overlay, path, made, cancellationToken).ConfigureAwait(false);
        if (made.Backing != current.Backing)
        {
            // The same base under another name: the header follows, so qemu-img info keeps telling the truth.
            await QemuImageTool.RunAsync(Binary(tool), ["rebase", "-u", "-b", current.Backing, "-F", current.BackingFormat, path], cancellationToken).ConfigureAwait(false);
        }
        if (current != made)
        {
            WriteRecord(path, current);
        }
        QemuImageLog.OverlayReused(logger, path, current.Backing);
        return new QemuOverlayPreparation(QemuOverlayAction.Reused, null);
    }

    /// <summary>
    /// Starts over, as asked: an existing overlay is moved aside to <c>NAME.bak-yyyyMMddTHHmmssZ</c> (or deleted when
    /// <paramref name="keepBackup"/> is false) with its record, and an empty overlay is created over the backing.
    /// </summary>
    /// <exception cref="FileNotFoundException">The backing file does not exist.</exception>
    /// <exception cref="QemuBinaryNotFoundException"><c>qemu-img</c> is not installed.</exception>
    /// <exception cref="IOException"><c>qemu-img</c> failed, or the old file could not be moved.</exception>
    public static async Task<QemuOverlayPreparation> ResetAsync(QemuOverlay overlay, bool keepBackup = true, QemuImageToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        (string path, QemuImageToolOptions tool, ILogger logger) = Prepare(overlay, options);
        string? backup = FileBackups.MoveAside(path, keepBackup);
        File.Delete(path + BaseRecordSuffix);
        await CreateAsync(overlay, path, tool, cancellationToken).ConfigureAwait(false);
        string reason = backup is null ? "reset as asked, without a backup" : $"reset as asked; the old overlay is kept as {backup}";
        QemuImageLog.OverlayCreated(logger, path, overlay.BackingReference(), reason);
        return new QemuOverlayPreparation(QemuOverlayAction.Recreated, reason, backup);
    }

    private static (string Path, QemuImageToolOptions Tool, ILogger Logger) Prepare(QemuOverlay overlay, QemuImageToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        options ??= QemuImageToolOptions.Default;
        string path = Path.GetFullPath(overlay.Path);
        if (overlay.Backing is not QemuNbdExport && !File.Exists(Path.GetFullPath(overlay.Backing.Describe())))
        {
            throw new FileNotFoundException($"The overlay '{path}' is over '{overlay.Backing.Describe()}', which does not exist.", overlay.Backing.Describe());
        }
        return (path, options, options.Logger ?? NullLogger.Instance);
    }

    private static string Binary(QemuImageToolOptions tool) => QemuBinaryLocator.ResolveTool(tool.BinaryPath, "qemu-img", "qemu-utils");

    private static async Task CreateAsync(QemuOverlay overlay, string path, QemuImageToolOptions tool, CancellationToken cancellationToken)
    {
        OverlayBaseRecord record = await DescribeAsync(overlay, cancellationToken).ConfigureAwait(false);
        string folder = Path.GetDirectoryName(path)!;
        // Same folder, so a backing path relative to the overlay means the same file for the temporary one.
        string temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Path.GetRandomFileName() + ".tmp");
        try
        {
            await QemuImageTool.RunAsync(Binary(tool), ["create", "-q", "-f", "qcow2", "-b", record.Backing, "-F", record.BackingFormat, temporary], cancellationToken).ConfigureAwait(false);
            // Never over an overlay that appeared meanwhile: that file would hold someone's writes.
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
        WriteRecord(path, record);
    }

    /// <summary>The record for the base as it is now, hashing its content.</summary>
    private static async Task<OverlayBaseRecord> DescribeAsync(QemuOverlay overlay, CancellationToken cancellationToken)
    {
        var record = new OverlayBaseRecord
        {
            Version = OverlayBaseRecord.CurrentVersion,
            Backing = overlay.BackingReference(),
            BackingFormat = QemuDiskRenderer.FormatName(overlay.BackingFormat()),
        };
        if (overlay.ContentIdentityPath() is not { } source)
        {
            return record;
        }
        OverlayFileStamp stamp = OverlayFileStamp.Of(source);
        string hash = await OverlayFileStamp.HashContentAsync(source, cancellationToken).ConfigureAwait(false);
        return record with { IdentitySource = source, Stamp = stamp, ContentHash = hash };
    }

    /// <summary>The record for the base as it is now when it is the base the overlay was made over; otherwise refuses.</summary>
    private static async Task<OverlayBaseRecord> CheckSameBaseAsync(QemuOverlay overlay, string path, OverlayBaseRecord made, CancellationToken cancellationToken)
    {
        var current = new OverlayBaseRecord
        {
            Version = OverlayBaseRecord.CurrentVersion,
            Backing = overlay.BackingReference(),
            BackingFormat = QemuDiskRenderer.FormatName(overlay.BackingFormat()),
        };
        if (made.BackingFormat != current.BackingFormat)
        {
            throw Refused(path, $"it was made over a {made.BackingFormat} base ('{made.Backing}'), and this base is {current.BackingFormat} ('{current.Backing}')");
        }
        if (overlay.ContentIdentityPath() is not { } source)
        {
            return made.Backing == current.Backing
                ? current
                : throw Refused(path, $"it was made over '{made.Backing}', not '{current.Backing}', and this base has no content to compare");
        }

        OverlayFileStamp stamp = OverlayFileStamp.Of(source);
        current = current with { IdentitySource = source, Stamp = stamp };
        if (made.ContentHash is not null && made.IdentitySource == source && made.Stamp == stamp)
        {
            return current with { ContentHash = made.ContentHash };
        }
        // A version-1 record has no hash: only its own test (same name, size and time) can vouch for the base, once.
        bool legacySame = made.Version < 2 && made.Backing == current.Backing && LegacyStampMatches(made, source);
        string hash = await OverlayFileStamp.HashContentAsync(source, cancellationToken).ConfigureAwait(false);
        if (hash == made.ContentHash || (made.ContentHash is null && legacySame))
        {
            return current with { ContentHash = hash };
        }
        string was = made.IdentitySource ?? made.Backing;
        throw Refused(path, made.ContentHash is null
            ? $"its record (version {made.Version}) has no content hash, and the base '{source}' differs in size or time from '{was}' when it was made"
            : $"the content of its base changed: '{source}' hashes to {hash[..12]}..., '{was}' hashed to {made.ContentHash[..Math.Min(12, made.ContentHash.Length)]}... when the overlay was made");
    }

    private static bool LegacyStampMatches(OverlayBaseRecord made, string source)
    {
        var file = new FileInfo(source);
        return made.Size == file.Length && made.ModifiedUtcTicks == file.LastWriteTimeUtc.Ticks;
    }

    /// <summary>Takes over an overlay without our record when its header names this backing and format; otherwise refuses.</summary>
    private static async Task<string> AdoptAsync(QemuOverlay overlay, string path, QemuImageToolOptions tool, CancellationToken cancellationToken)
    {
        string json;
        try
        {
            json = await QemuImageTool.RunAsync(Binary(tool), ["info", "--output=json", "-U", path], cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw Refused(path, $"it has no record of its base ({Path.GetFileName(path)}{BaseRecordSuffix}) and qemu-img cannot read it ({e.Message})");
        }
        string? format, backing, backingFormat;
        try
        {
            using JsonDocument info = JsonDocument.Parse(json);
            JsonElement root = info.RootElement;
            format = Text(root, "format");
            backing = Text(root, "full-backing-filename") ?? Text(root, "backing-filename");
            backingFormat = Text(root, "backing-filename-format");
        }
        catch (JsonException e)
        {
            throw Refused(path, $"it has no record of its base, and qemu-img info gave no JSON ({e.Message})");
        }
        OverlayBaseRecord current = await DescribeAsync(overlay, cancellationToken).ConfigureAwait(false);
        string wanted = overlay.Backing is QemuNbdExport ? current.Backing : Path.GetFullPath(overlay.Backing.Describe());
        string? named = backing is null || overlay.Backing is QemuNbdExport ? backing : Path.GetFullPath(backing, Path.GetDirectoryName(path)!);
        if (format != "qcow2" || named != wanted || backingFormat != current.BackingFormat)
        {
            throw Refused(path, $"it has no record of its base, and its header does not name this base: qemu-img info shows {format ?? "no format"} over '{backing ?? "nothing"}' ({backingFormat ?? "format not recorded"}), not qcow2 over '{wanted}' ({current.BackingFormat})");
        }
        WriteRecord(path, current);
        return $"made outside sparsevirt over '{wanted}' ({current.BackingFormat}); taken over as it is, and its base recorded";
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static OverlayBaseRecord? ReadRecord(string path)
    {
        string recordPath = path + BaseRecordSuffix;
        if (!File.Exists(recordPath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(recordPath), OverlayJsonContext.Default.OverlayBaseRecord)
                ?? throw Refused(path, $"the record of its base ({Path.GetFileName(recordPath)}) is empty");
        }
        catch (JsonException e)
        {
            throw Refused(path, $"the record of its base ({Path.GetFileName(recordPath)}) is unreadable ({e.Message})");
        }
    }

    private static QemuOverlayRefusedException Refused(string path, string reason)
    {
        var file = new FileInfo(path);
        return new QemuOverlayRefusedException(path, reason, file.Length, OverlayFileStamp.AllocatedBytes(path), file.LastWriteTimeUtc);
    }

    private static void WriteRecord(string overlayPath, OverlayBaseRecord record)
    {
        using AtomicFileOutput output = AtomicFileOutput.Create(overlayPath + BaseRecordSuffix);
        output.Stream.Write(JsonSerializer.SerializeToUtf8Bytes(record, OverlayJsonContext.Default.OverlayBaseRecord));
        // The record decides whether a user's overlay is reused: written, fsynced, renamed, and its folder fsynced.
        output.Commit(durable: true);
    }
}
