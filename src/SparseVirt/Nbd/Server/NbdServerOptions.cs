using System.Net;
using Microsoft.Extensions.Logging;

namespace SparseVirt.Nbd;

/// <summary>
/// Where an <see cref="NbdServer"/> listens and how much it lets each client hold. Immutable; vary it with the
/// <c>With...</c> methods. By default it listens on a Unix socket in a private new directory (mode 0700, the socket
/// 0600), so only this user can connect.
/// </summary>
public sealed record NbdServerOptions
{
    /// <summary>The default options: a private Unix socket, 256 connections, 16 requests in flight per connection.</summary>
    public static NbdServerOptions Default { get; } = new();

    /// <summary>The Unix socket to create (mode 0600; its directory must exist), or <see langword="null"/>.</summary>
    public string? UnixSocketPath { get; private init; }

    /// <summary>The TCP address to listen on, or <see langword="null"/>. Used only when given: the default is a Unix socket.</summary>
    public IPEndPoint? TcpEndPoint { get; private init; }

    /// <summary>Where connections, protocol errors and stops are logged, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>
    /// How many clients may be connected at once. One more is accepted and closed at once, before the greeting (as
    /// nbdkit's limit filter rejects later clients), so it sees end of stream rather than waiting unanswered in the
    /// listen backlog; the refusal is logged.
    /// </summary>
    public int MaxConnections { get; private init; } = 256;

    /// <summary>
    /// How long a client has to finish negotiating (to choose an export) from the moment it is accepted; one that has
    /// not is disconnected and logged, so clients that connect and stall cannot hold connection slots. Like qemu-nbd's
    /// <c>--handshake-limit</c>, 10 seconds by default; <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan HandshakeLimit { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many requests of one connection are handled at once (QEMU keeps up to 16 in flight); the connection reads
    /// no further request until one completes. Each holds at most one 256 KiB buffer (larger reads and writes go a piece
    /// at a time), and beyond one per connection those come from a server-wide 64 MiB allowance.
    /// </summary>
    public int MaxRequestsInFlight { get; private init; } = 16;

    /// <summary>How long a stopping server waits for in-flight requests to be answered before closing connections.</summary>
    public TimeSpan ShutdownTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>A copy listening on the Unix socket <paramref name="path"/> (created, mode 0600; removed when the server stops).</summary>
    public NbdServerOptions WithUnixSocket(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return this with { UnixSocketPath = path, TcpEndPoint = null };
    }

    /// <summary>A copy listening on TCP at <paramref name="endPoint"/>, exactly as given (port 0 picks a free port).</summary>
    public NbdServerOptions WithTcp(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return this with { TcpEndPoint = endPoint, UnixSocketPath = null };
    }

    /// <summary>A copy listening on TCP port <paramref name="port"/> of the loopback address only (0 picks a free port).</summary>
    public NbdServerOptions WithLoopbackTcp(int port = 0) => WithTcp(new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>A copy logging to <paramref name="value"/>.</summary>
    public NbdServerOptions WithLogger(ILogger? value) => this with { Logger = value };

    /// <summary>A copy accepting at most <paramref name="value"/> connections at once.</summary>
    public NbdServerOptions WithMaxConnections(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        return this with { MaxConnections = value };
    }

    /// <summary>
    /// A copy giving clients <paramref name="value"/> to finish negotiating (more than zero and at most 24 days, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for no limit).
    /// </summary>
    public NbdServerOptions WithHandshakeLimit(TimeSpan value)
    {
        if (value != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromDays(24));
        }
        return this with { HandshakeLimit = value };
    }

    /// <summary>A copy handling at most <paramref name="value"/> requests of one connection at once.</summary>
    public NbdServerOptions WithMaxRequestsInFlight(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1024);
        return this with { MaxRequestsInFlight = value };
    }

    /// <summary>A copy waiting at most <paramref name="value"/> for in-flight requests when stopping.</summary>
    public NbdServerOptions WithShutdownTimeout(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        return this with { ShutdownTimeout = value };
    }
}
