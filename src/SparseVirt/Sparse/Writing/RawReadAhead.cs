using System.Runtime.ExceptionServices;

namespace SparseVirt.Sparse;

/// <summary>
/// Reads a <see cref="RawSource"/> one piece ahead on a pool thread, so reading overlaps classifying and writing the
/// piece before it. This is real parallelism, not sync-over-async: on the sync path the reading thread runs the
/// source's synchronous core (ended by <see cref="SyncPath"/>) and needs no thread the waiting caller holds, so
/// <see cref="TakeAsync"/> waits for it with a blocking join.
/// </summary>
internal sealed class RawReadAhead(RawSource source, bool async, CancellationToken cancellationToken)
{
    private Task<RawPiece>? _pending;

    /// <summary>Starts reading the next piece into <paramref name="buffer"/>, which belongs to the read until it is taken.</summary>
    public void Start(Memory<byte> buffer) =>
        _pending = async
            ? Task.Run(() => source.ReadAsync(buffer, async: true, cancellationToken).AsTask(), cancellationToken)
            : Task.Run(() => SyncPath.Complete(source.ReadAsync(buffer, async: false, cancellationToken)), cancellationToken);

    /// <summary>The piece the last <see cref="Start"/> read (its failure is thrown here).</summary>
    public async ValueTask<RawPiece> TakeAsync()
    {
        Task<RawPiece> pending = _pending ?? throw new InvalidOperationException("No read was started.");
        _pending = null;
        if (async)
        {
            return await pending.ConfigureAwait(false);
        }
        Join(pending);
        return pending.Result;
    }

    /// <summary>Lets a read still running end (a buffer goes back to its pool only after), without throwing its failure.</summary>
    public async ValueTask AbandonAsync()
    {
        if (_pending is not { } pending)
        {
            return;
        }
        _pending = null;
        try
        {
            if (async)
            {
                await pending.ConfigureAwait(false);
            }
            else
            {
                Join(pending);
            }
        }
        catch (Exception)
        {
            // Its failure is not the one being reported (the loop that abandons it is already failing or done).
        }
    }

    private static void Join(Task pending)
    {
        try
        {
            pending.Wait(CancellationToken.None);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
