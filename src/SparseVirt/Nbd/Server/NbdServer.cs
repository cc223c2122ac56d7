using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Nbd.Exports;
using SparseVirt.Nbd.Server;

namespace SparseVirt.Nbd;

/// <summary>
/// An in-process NBD server (the Network Block Device protocol spoken by QEMU, qemu-img, nbdinfo, nbdcopy and the
/// kernel) exporting block sources by name: fixed newstyle negotiation, structured replies with holes, block status
/// (<c>base:allocation</c>), many requests in flight per connection answered out of order, and copy-on-write for
/// writable exports. Start it with <see cref="StartAsync"/>; stop it with <see cref="StopAsync"/> or by disposing it.
/// </summary>
public sealed class NbdServer : IAsyncDisposable
{
    private const string SocketName = "nbd.sock";

    /// <summary>
    /// The send buffer asked for on each connection: a 1 MiB read (four pieces) fits, so replies go out without waiting
    /// for the client to drain the default 208 KiB buffer (the kernel caps it at net.core.wmem_max, and doubles it).
    /// </summary>
    private const int ReplySendBufferBytes = 2 * 1024 * 1024;
    private readonly Socket _listener;
    private readonly ExportRegistry _registry;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly string? _privateDirectory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, Connection> _connections = new();
    private readonly ConcurrentDictionary<int, Task> _connectionTasks = new();
    private readonly PieceBudget _pieces = new(PieceBudget.DefaultSharedPieces);
    private readonly Task _acceptLoop;
    private int _nextConnectionId;
    private Task? _stopTask;

    private NbdServer(Socket listener, ExportRegistry registry, NbdServerOptions options, string? socketPath, string? privateDirectory)
    {
        _listener = listener;
        _registry = registry;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        UnixSocketPath = socketPath;
        _privateDirectory = privateDirectory;
        TcpEndPoint = socketPath is null ? (IPEndPoint?)listener.LocalEndPoint : null;
        Exports = registry.All.Select(v => v.Export).ToArray();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The exports served, in the order given.</summary>
    public IReadOnlyList<NbdExport> Exports { get; }

    /// <summary>The Unix socket the server listens on, or <see langword="null"/> when it listens on TCP.</summary>
    public string? UnixSocketPath { get; }

    /// <summary>The TCP address the server listens on (with the port chosen, if 0 was asked), or <see langword="null"/>.</summary>
    public IPEndPoint? TcpEndPoint { get; }

    /// <summary>How many clients are connected now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Opens the exports' overlays and starts listening; connections are accepted from the moment this returns.
    /// </summary>
    /// <param name="exports">The exports (at least one, distinct names).</param>
    /// <param name="options">Where to listen and limits; <see cref="NbdServerOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <exception cref="ArgumentException">No exports, a repeated or invalid name, or an overlay on a read-only export.</exception>
    /// <exception cref="IOException">An overlay file cannot be created.</exception>
    /// <exception cref="SocketException">The socket cannot be bound (in use, no permission).</exception>
    public static Task<NbdServer> StartAsync(IEnumerable<NbdExport> exports, NbdServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exports);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= NbdServerOptions.Default;
        ExportRegistry registry = ExportRegistry.Open(exports.ToArray());
        string? privateDirectory = null;
        try
        {
            Socket listener;
            string? socketPath = null;
            if (options.TcpEndPoint is { } endPoint)
            {
                listener = NbdListener.BindTcp(endPoint);
            }
            else
            {
                if (options.UnixSocketPath is null)
                {
                    // A new folder only this user can enter, so nobody else can reach the socket in it; those left by
                    // killed servers are swept first.
                    privateDirectory = PrivateFolders.CreateForSockets("sparsevirt-nbd-", SocketName.Length);
                }
                socketPath = options.UnixSocketPath ?? Path.Combine(privateDirectory!, SocketName);
                listener = NbdListener.BindUnix(socketPath);
            }
            var server = new NbdServer(listener, registry, options, socketPath, privateDirectory);
            NbdLog.Listening(server._logger, server.UnixSocketPath ?? server.TcpEndPoint!.ToString());
            return Task.FromResult(server);
        }
        catch
        {
            registry.Dispose();
            if (privateDirectory is not null)
            {
                PrivateFolders.Delete(privateDirectory);
            }
            throw;
        }
    }

    /// <summary>
    /// The NBD URI of an export (the first one when <paramref name="exportName"/> is null):
    /// <c>nbd+unix:///NAME?socket=PATH</c> or <c>nbd://HOST:PORT/NAME</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No export has that name.</exception>
    public string GetUri(string? exportName = null)
    {
        string name = exportName ?? Exports[0].Name;
        if (!Exports.Any(e => e.Name == name))
        {
            throw new ArgumentException($"No export is named '{name}'.", nameof(exportName));
        }
        return NbdListener.FormatUri(name, UnixSocketPath, TcpEndPoint);
    }

    /// <summary>
    /// Stops accepting, answers requests in flight with <c>ESHUTDOWN</c> (waiting at most the shutdown timeout), closes
    /// every connection, removes the socket file and closes the overlays. Safe to call more than once.
    /// </summary>
    public Task StopAsync()
    {
        lock (_stopping)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StopCoreAsync()
    {
        NbdLog.Stopping(_logger, _connections.Count);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        NbdListener.RemoveSocket(UnixSocketPath, _privateDirectory);
        Task all = Task.WhenAll(_connectionTasks.Values);
        // Connections drain within the shutdown timeout by themselves; those stuck on a client that reads nothing are closed.
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownTimeout + TimeSpan.FromSeconds(1))).ConfigureAwait(false) != all)
        {
            foreach (Connection connection in _connections.Values)
            {
                connection.Socket.Dispose();
            }
            await all.ConfigureAwait(false);
        }
        _registry.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                // EMFILE and the like: this client is lost, the next may not be.
                NbdLog.AcceptFailed(_logger, exception);
                await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                continue;
            }
            if (_connections.Count >= _options.MaxConnections)
            {
                NbdLog.TooManyConnections(_logger, _connections.Count, _options.MaxConnections);
                socket.Dispose();
                continue;
            }
            if (socket.ProtocolType == ProtocolType.Tcp)
            {
                socket.NoDelay = true;
            }
            socket.SendBufferSize = ReplySendBufferBytes;
            int id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new Connection(id, socket, _registry, _options, _pieces, _logger, _stopping.Token);
            _connections[id] = connection;
            NbdLog.Accepted(_logger, id);
            _connectionTasks[id] = RunConnectionAsync(id, connection);
        }
    }

    private async Task RunConnectionAsync(int id, Connection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(id, out _);
            _connectionTasks.TryRemove(id, out _);
        }
    }
}
