using Microsoft.Extensions.Logging;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Disks;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Run;

/// <summary>
/// Turns the disks of a <see cref="RunPlan"/> into QEMU's disks, in two steps around the start of the NBD server:
/// <see cref="OpenAsync"/> before it (a served disk is opened and checked, so a bad image fails before anything
/// starts; any other disk is made ready), <see cref="AttachAsync"/> after it (a served disk's export, under its
/// overlay when it has one: qemu-img reads the export to make it).
/// </summary>
internal sealed class RunDiskPreparer(VerbContext context, RunPlan plan, SparseDiskServer server)
{
    private readonly SparseDiskCache _cache = new(plan.Request.CacheFolder, (source, destination, token) => ExpandAsync(context, source, destination, token));

    private TextWriter Error => context.Console.Error;

    /// <summary>Opens a served disk into the server (null: attached after it starts), or readies any other disk.</summary>
    public async Task<QemuDisk?> OpenAsync(RunDisk disk, CancellationToken cancellationToken)
    {
        switch (disk.Kind)
        {
            case RunDiskKind.ComposedGpt:
                // The composed disk reads through to its images: the server owns them, and the guest boots it first.
                var inputs = new ImageInputs();
                server.Add(disk.ExportName!, inputs.ComposeGpt(plan.Request.GptPartitions, plan.Request.GptBootCode).Disk, writable: true, owner: inputs);
                await Error.WriteLineAsync($"GPT disk of {disk.Path}: composed and served over NBD (nothing written)").ConfigureAwait(false);
                return null;
            case RunDiskKind.ServedSparse:
                server.Add(disk.ExportName!, disk.Path, writable: disk.OverlayPath is null);
                await Error.WriteLineAsync($"{disk.Path}: Android sparse image, served over NBD from its chunk table (nothing expanded)").ConfigureAwait(false);
                return null;
            case RunDiskKind.ExpandedSparse:
                return Finish(disk, await ExpandedDiskAsync(disk, cancellationToken).ConfigureAwait(false));
            default:
                var image = new QemuImageFile(Path.GetFullPath(disk.Path), disk.Format);
                return Finish(disk, disk.OverlayPath is null ? new QemuDisk(image) : await OverlayDiskAsync(image, disk, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>A served disk, once the server listens: its export, or the overlay over it.</summary>
    public async Task<QemuDisk> AttachAsync(RunDisk disk, CancellationToken cancellationToken)
    {
        QemuNbdExport export = server.Export(disk.ExportName!);
        // The socket is new on every run: the image file, not the export, is what the overlay is over.
        return Finish(disk, disk.OverlayPath is null ? new QemuDisk(export) : await OverlayDiskAsync(export, disk, cancellationToken).ConfigureAwait(false));
    }

    private static QemuDisk Finish(RunDisk disk, QemuDisk qemuDisk) =>
        qemuDisk.WithInterface(disk.Interface).WithBootIndex(disk.BootIndex);

    private async Task<QemuDisk> ExpandedDiskAsync(RunDisk disk, CancellationToken cancellationToken)
    {
        (string rawPath, bool reused) = await _cache.GetOrExpandAsync(disk.Path, cancellationToken).ConfigureAwait(false);
        await Error.WriteLineAsync(reused
            ? $"{disk.Path}: Android sparse image, expanded copy reused from the cache ({rawPath})"
            : $"{disk.Path}: Android sparse image, expanded into the cache ({rawPath})").ConfigureAwait(false);
        // The cached copy is shared by later runs: the guest's writes go to a throw-away overlay, or the one asked for.
        return disk.OverlayPath is null
            ? new QemuDisk(rawPath, QemuDiskFormat.Raw).WithSnapshot()
            : await OverlayDiskAsync(new QemuImageFile(rawPath, QemuDiskFormat.Raw), disk, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The overlay for a disk, its base identified by the content of the image the user named (a sparse image's
    /// expanded copy or NBD socket may change, its file does not).
    /// </summary>
    private async Task<QemuDisk> OverlayDiskAsync(QemuDiskSource image, RunDisk disk, CancellationToken cancellationToken)
    {
        string overlayPath = disk.OverlayPath!;
        var overlay = new QemuOverlay(Path.GetFullPath(overlayPath), image).WithIdentitySource(disk.Path);
        QemuImageToolOptions tool = QemuImageToolOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Qemu.Disks"));
        QemuOverlayPreparation prepared = plan.Request.ResetOverlays
            ? await QemuOverlayFiles.ResetAsync(overlay, plan.Request.KeepOverlayBackups, tool, cancellationToken).ConfigureAwait(false)
            : await QemuOverlayFiles.EnsureAsync(overlay, tool, cancellationToken).ConfigureAwait(false);
        await Error.WriteLineAsync(prepared.Action switch
        {
            QemuOverlayAction.Reused => $"{overlayPath}: overlay reused, with the guest's earlier writes",
            QemuOverlayAction.Adopted => $"{overlayPath}: overlay taken over, with its writes ({prepared.Reason})",
            QemuOverlayAction.Recreated => $"{overlayPath}: overlay started over empty ({prepared.Reason})",
            _ => $"{overlayPath}: overlay created over {disk.Path}",
        }).ConfigureAwait(false);
        return new QemuDisk(overlay);
    }

    private static async Task ExpandAsync(VerbContext context, string source, string destination, CancellationToken cancellationToken)
    {
        ILogger logger = context.LoggerFactory.CreateLogger("SparseVirt.Sparse");
        using ExpandProgress? progress = ExpandProgress.ForTerminal(context.Console, $"Expanding {Path.GetFileName(source)}");
        await SparseImage.ToRawAsync(source, destination, SparseExpandOptions.Default.WithLogger(logger), progress, cancellationToken).ConfigureAwait(false);
    }
}
