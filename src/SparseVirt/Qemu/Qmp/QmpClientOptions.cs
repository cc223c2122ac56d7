using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Limits and timeouts of a <see cref="QmpClient"/>. Immutable: the <c>With...</c> methods return changed copies.</summary>
public sealed record QmpClientOptions
{
    /// <summary>The default options.</summary>
    public static QmpClientOptions Default { get; } = new();

    /// <summary>The longest message accepted, in bytes (1 MiB unless set); a longer one fails the connection instead of growing memory without bound.</summary>
    public int MaxMessageBytes { get; private init; } = 1024 * 1024;

    /// <summary>How long to wait for the greeting and the <c>qmp_capabilities</c> reply (10 s unless set).</summary>
    public TimeSpan NegotiationTimeout { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a command may wait for its reply (30 s unless set; <see cref="Timeout.InfiniteTimeSpan"/> for no limit).</summary>
    public TimeSpan CommandTimeout { get; private init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many events <see cref="QmpClient.ReadEventsAsync"/> keeps for a slow reader before dropping the oldest (1024 unless set).</summary>
    public int EventBufferCapacity { get; private init; } = 1024;

    /// <summary>Whether disposing the client leaves the stream it was given open (<see langword="false"/> unless set).</summary>
    public bool LeaveOpen { get; private init; }

    /// <summary>Where the client logs traffic and protocol problems, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>A copy accepting messages of up to <paramref name="bytes"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is under 64.</exception>
    public QmpClientOptions WithMaxMessageBytes(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 64);
        return this with { MaxMessageBytes = bytes };
    }

    /// <summary>A copy waiting up to <paramref name="timeout"/> for the greeting and the negotiation.</summary>
    public QmpClientOptions WithNegotiationTimeout(TimeSpan timeout) => this with { NegotiationTimeout = CheckTimeout(timeout) };

    /// <summary>A copy waiting up to <paramref name="timeout"/> for each command's reply.</summary>
    public QmpClientOptions WithCommandTimeout(TimeSpan timeout) => this with { CommandTimeout = CheckTimeout(timeout) };

    /// <summary>A copy keeping up to <paramref name="capacity"/> events for a slow reader.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is under 1.</exception>
    public QmpClientOptions WithEventBufferCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return this with { EventBufferCapacity = capacity };
    }

    /// <summary>A copy that leaves the stream open on dispose, or not.</summary>
    public QmpClientOptions WithLeaveOpen(bool leaveOpen = true) => this with { LeaveOpen = leaveOpen };

    /// <summary>A copy logging to <paramref name="logger"/> (or nowhere).</summary>
    public QmpClientOptions WithLogger(ILogger? logger) => this with { Logger = logger };

    internal static TimeSpan CheckTimeout(TimeSpan timeout, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(timeout))] string? name = null) =>
        timeout > TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan
            ? timeout
            : throw new ArgumentOutOfRangeException(name, timeout, "A timeout must be positive or Timeout.InfiniteTimeSpan.");
}
