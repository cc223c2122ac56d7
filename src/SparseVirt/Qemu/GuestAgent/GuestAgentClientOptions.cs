using Microsoft.Extensions.Logging;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>Limits and timeouts of a <see cref="GuestAgentClient"/>. Immutable: the <c>With...</c> methods return changed copies.</summary>
public sealed record GuestAgentClientOptions
{
    /// <summary>The default options.</summary>
    public static GuestAgentClientOptions Default { get; } = new();

    /// <summary>The longest reply accepted, in bytes (16 MiB unless set: <c>guest-file-read</c> replies carry base64 data).</summary>
    public int MaxMessageBytes { get; private init; } = 16 * 1024 * 1024;

    /// <summary>How long <c>guest-sync-delimited</c> may take (5 s unless set); an agent that is not running yet does not answer.</summary>
    public TimeSpan SyncTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command may wait for its reply (30 s unless set).</summary>
    public TimeSpan CommandTimeout { get; private init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the client logs, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>
    /// Where the ids of <c>guest-sync-delimited</c> come from: random unless set, so that a reply left over from an
    /// earlier client is never taken for this one's. Internal: the fuzzing driver sets a fixed sequence, so that one
    /// input always runs the same way.
    /// </summary>
    internal Func<long> SyncIdSource { get; private init; } = static () => Random.Shared.NextInt64(1, int.MaxValue);

    /// <summary>A copy taking its sync ids from <paramref name="source"/> (see <see cref="SyncIdSource"/>).</summary>
    internal GuestAgentClientOptions WithSyncIdSource(Func<long> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return this with { SyncIdSource = source };
    }

    /// <summary>A copy accepting replies of up to <paramref name="bytes"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is under 64.</exception>
    public GuestAgentClientOptions WithMaxMessageBytes(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 64);
        return this with { MaxMessageBytes = bytes };
    }

    /// <summary>A copy waiting up to <paramref name="timeout"/> for the synchronisation.</summary>
    public GuestAgentClientOptions WithSyncTimeout(TimeSpan timeout) => this with { SyncTimeout = QmpClientOptions.CheckTimeout(timeout) };

    /// <summary>A copy waiting up to <paramref name="timeout"/> for each reply.</summary>
    public GuestAgentClientOptions WithCommandTimeout(TimeSpan timeout) => this with { CommandTimeout = QmpClientOptions.CheckTimeout(timeout) };

    /// <summary>A copy logging to <paramref name="logger"/> (or nowhere).</summary>
    public GuestAgentClientOptions WithLogger(ILogger? logger) => this with { Logger = logger };
}
