using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SparseVirt.Nbd;
using SparseVirt.Qemu;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Run;

/// <summary>
/// The sparse disks of one <c>run</c>, served to QEMU by an in-process NBD server straight from their chunk tables:
/// nothing is expanded. Guest writes go to a temporary copy-on-write overlay in the server (discarded), or, for a disk
/// given a qcow2 overlay, to that file (kept), the export then being read-only.
/// </summary>
internal sealed class SparseDiskServer(ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly List<(string Name, SparseBlockSource Source, string? Qcow2Overlay)> _disks = [];
    private NbdServer? _server;

    public bool IsEmpty => _disks.Count == 0;

    /// <summary>Opens and checks a sparse image (a bad one fails here, before anything starts); returns its export name.</summary>
    public string Add(string path, string? qcow2Overlay)
    {
        SparseBlockSource source = SparseBlockSource.Open(path, SparseExpandOptions.Default.WithLogger(loggerFactory.CreateLogger("SparseVirt.Sparse")));
        string name = "disk" + _disks.Count.ToString(CultureInfo.InvariantCulture);
        _disks.Add((name, source, qcow2Overlay is null ? null : Path.GetFullPath(qcow2Overlay)));
        return name;
    }

    /// <summary>Creates missing qcow2 overlays (with qemu-img) and starts serving.</summary>
    public async Task StartAsync(string? qemuBinary, CancellationToken cancellationToken)
    {
        foreach ((_, SparseBlockSource source, string? overlay) in _disks)
        {
            if (overlay is not null && !File.Exists(overlay))
            {
                await CreateQcow2Async(qemuBinary, overlay, source.Length, cancellationToken).ConfigureAwait(false);
            }
        }
        NbdExport[] exports = [.. _disks.Select(d => new NbdExport(d.Name, d.Source).WithWritable(d.Qcow2Overlay is null))];
        _server = await NbdServer.StartAsync(exports, NbdServerOptions.Default.WithLogger(loggerFactory.CreateLogger("SparseVirt.Nbd")), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The QEMU disk for export <paramref name="name"/> (after <see cref="StartAsync"/>).</summary>
    public QemuDisk Disk(string name)
    {
        QemuDisk disk = QemuDisk.FromNbd(QemuNbdSource.UnixSocket(_server!.UnixSocketPath!, name));
        string? overlay = _disks.Single(d => d.Name == name).Qcow2Overlay;
        return overlay is null ? disk : disk.WithQcow2Overlay(overlay);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        foreach ((_, SparseBlockSource source, _) in _disks)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An empty qcow2 of the disk's size; its backing node is named when QEMU starts, so none is recorded.</summary>
    private static async Task CreateQcow2Async(string? qemuBinary, string path, long size, CancellationToken cancellationToken)
    {
        string qemuImg = qemuBinary is not null && Path.GetDirectoryName(qemuBinary) is { Length: > 0 } folder && File.Exists(Path.Combine(folder, "qemu-img"))
            ? Path.Combine(folder, "qemu-img")
            : "qemu-img";
        var start = new ProcessStartInfo(qemuImg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "create", "-q", "-f", "qcow2", path, size.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new IOException($"{qemuImg} could not be started to create {path}.");
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new IOException($"{qemuImg} could not create the overlay {path}: {(await error.ConfigureAwait(false)).Trim()}");
        }
    }
}
