using Microsoft.Extensions.Logging;
using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Qemu.Disks;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Run;

/// <summary>
/// The sparse disks of one <c>run</c>, served to QEMU by an in-process NBD server straight from their chunk tables:
/// nothing is expanded. A writable export keeps the guest's writes in a temporary copy-on-write overlay in the server
/// (discarded); a disk with a qcow2 overlay gets a read-only export, the overlay taking the writes.
/// </summary>
internal sealed class SparseDiskServer(ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly List<(string Name, IBlockSource Source, bool Writable)> _disks = [];
    private readonly List<object> _owned = [];
    private NbdServer? _server;

    /// <summary>Opens and checks a sparse image (a bad one fails here, before anything starts), to serve as export <paramref name="name"/>.</summary>
    public void Add(string name, string path, bool writable)
    {
        SparseBlockSource source = SparseBlockSource.Open(path, SparseExpandOptions.Default.WithLogger(loggerFactory.CreateLogger("SparseVirt.Sparse")));
        Add(name, source, writable, source);
    }

    /// <summary>Adds any block source (a composed disk ...) as export <paramref name="name"/>, disposing <paramref name="owner"/> with the server.</summary>
    public void Add(string name, IBlockSource source, bool writable, object? owner)
    {
        _disks.Add((name, source, writable));
        if (owner is not null)
        {
            _owned.Add(owner);
        }
    }

    /// <summary>Starts serving every disk added, on a private Unix socket.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        NbdExport[] exports = [.. _disks.Select(d => new NbdExport(d.Name, d.Source).WithWritable(d.Writable))];
        _server = await NbdServer.StartAsync(exports, NbdServerOptions.Default.WithLogger(loggerFactory.CreateLogger("SparseVirt.Nbd")), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where QEMU reads export <paramref name="name"/> (after <see cref="StartAsync"/>).</summary>
    public QemuNbdExport Export(string name) => QemuNbdExport.OnUnixSocket(_server!.UnixSocketPath!, name);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        foreach (object owned in _owned)
        {
            if (owned is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (owned is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }
}
