namespace SparseVirt.Qemu.Qmp;

/// <summary>Limits and timeouts of a <see cref="QmpClient"/>.</summary>
public sealed record QmpClientOptions
{
    /// <summary>The default options.</summary>
    public static QmpClientOptions Default { get; } = new();

    /// <summary>The longest message accepted, in bytes (1 MiB unless set); a longer one fails the connection instead of growing memory without bound.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>How long to wait for the greeting and the <c>qmp_capabilities</c> reply (10 s unless set).</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a command may wait for its reply (30 s unless set; <see cref="Timeout.InfiniteTimeSpan"/> for no limit).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many events <see cref="QmpClient.ReadEventsAsync"/> keeps for a slow reader before dropping the oldest (1024 unless set).</summary>
    public int EventBufferCapacity { get; init; } = 1024;

    /// <summary>Whether disposing the client leaves the stream it was given open (<see langword="false"/> unless set).</summary>
    public bool LeaveOpen { get; init; }

    /// <summary>Where the client logs traffic and protocol problems, or <see langword="null"/> for nowhere.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }
}
