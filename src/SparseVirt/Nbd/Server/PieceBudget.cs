namespace SparseVirt.Nbd.Server;

/// <summary>
/// The server-wide allowance of request buffers (reads' pieces, writes' payloads) beyond the one each connection always
/// has. A request holds its buffer of at most <see cref="Transmission.PieceBytes"/> until its reply is sent, so a
/// client that stops reading replies keeps every buffer of its requests in flight; without a shared cap, a thousand
/// such clients would hold gigabytes.
/// </summary>
/// <remarks>
/// Every connection may always hold one piece (its own), so no client can starve another by hoarding shared pieces:
/// when they are gone, each connection's requests still go ahead one piece at a time. The bound on request buffers is
/// therefore (connections + shared pieces) pieces, whatever clients do.
/// </remarks>
internal sealed class PieceBudget(int sharedPieces)
{
    /// <summary>The default shared allowance: 256 pieces of 256 KiB, 64 MiB.</summary>
    public const int DefaultSharedPieces = 256;

    private int _available = sharedPieces;

    /// <summary>Takes a shared piece if one is left, without waiting.</summary>
    public bool TryTake()
    {
        int available = Volatile.Read(ref _available);
        while (available > 0)
        {
            int seen = Interlocked.CompareExchange(ref _available, available - 1, available);
            if (seen == available)
            {
                return true;
            }
            available = seen;
        }
        return false;
    }

    public void Return() => Interlocked.Increment(ref _available);
}

/// <summary>One connection's request buffers: its own piece, then shared ones while the budget lasts.</summary>
internal sealed class PieceAllowance(PieceBudget budget) : IDisposable
{
    private readonly SemaphoreSlim _own = new(1, 1);

    /// <summary>Takes a piece (own or shared); true when it is shared. Waits for the own piece when neither is free.</summary>
    public async ValueTask<bool> TakeAsync(CancellationToken cancellationToken)
    {
        if (_own.Wait(0))
        {
            return false;
        }
        if (budget.TryTake())
        {
            return true;
        }
        await _own.WaitAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    public void Return(bool shared)
    {
        if (shared)
        {
            budget.Return();
        }
        else
        {
            _own.Release();
        }
    }

    public void Dispose() => _own.Dispose();
}
