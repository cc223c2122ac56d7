namespace SparseVirt.Nbd.Exports;

/// <summary>Where each block of a <see cref="CopyOnWriteOverlay"/> lives: one byte per block, scanned in runs.</summary>
internal sealed class OverlayBlockMap
{
    private readonly BlockState[] _states;

    public OverlayBlockMap(long length, int granularity)
    {
        long blocks = (length + granularity - 1) / granularity;
        if (blocks > Array.MaxLength)
        {
            throw new ArgumentException($"A {length}-byte source has too many {granularity}-byte blocks for an overlay map.", nameof(length));
        }
        Length = length;
        Granularity = granularity;
        _states = new BlockState[blocks];
    }

    /// <summary>The bytes covered (the last block may be short).</summary>
    public long Length { get; }

    /// <summary>The bytes per map entry.</summary>
    public int Granularity { get; }

    /// <summary>The state of the block holding <paramref name="position"/>, and where the run of blocks in that state ends (at most <paramref name="limit"/>).</summary>
    public (long End, BlockState State) RunAt(long position, long limit)
    {
        int block = (int)(position / Granularity);
        BlockState state = _states[block];
        int lastBlock = (int)((limit - 1) / Granularity);
        int different = _states.AsSpan(block + 1, lastBlock - block).IndexOfAnyExcept(state);
        long runEnd = different < 0 ? limit : (long)(block + 1 + different) * Granularity;
        return (Math.Min(runEnd, limit), state);
    }

    /// <summary>Marks the blocks of <c>[start, end)</c> (block-aligned, or ending at <see cref="Length"/>).</summary>
    public void Mark(long start, long end, BlockState state)
    {
        int first = (int)(start / Granularity);
        int last = (int)((end + Granularity - 1) / Granularity);
        _states.AsSpan(first, last - first).Fill(state);
    }

    /// <summary>The map as bytes, one <see cref="BlockState"/> per block, for a persistent overlay's map slot (a view, not a copy).</summary>
    public Span<byte> AsBytes() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_states.AsSpan());

    /// <summary>Marks every block <see cref="BlockState.Base"/> again.</summary>
    public void Clear() => Array.Clear(_states);

    public long RoundDown(long value) => value / Granularity * Granularity;

    public long RoundUp(long value) => (value + Granularity - 1) / Granularity * Granularity;
}

/// <summary>Where a block's current contents live.</summary>
internal enum BlockState : byte
{
    /// <summary>Unchanged: read from the source.</summary>
    Base = 0,

    /// <summary>Written: read from the overlay file.</summary>
    Overlay = 1,

    /// <summary>Trimmed or zeroed: reads as zeros, reported as a hole.</summary>
    Hole = 2,

    /// <summary>Zeroed with allocation asked for: reads as zeros, reported as allocated zeros.</summary>
    Zero = 3,
}
