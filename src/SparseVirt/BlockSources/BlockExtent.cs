namespace SparseVirt.BlockSources;

/// <summary>A range of an <see cref="IBlockSource"/> and what it holds.</summary>
/// <param name="Offset">The range's first byte.</param>
/// <param name="Length">The range's length in bytes (positive).</param>
/// <param name="Kind">What the range holds.</param>
public readonly record struct BlockExtent(long Offset, long Length, BlockExtentKind Kind)
{
    /// <summary>The byte after the range.</summary>
    public long End => Offset + Length;

    /// <summary>True when every byte of the range reads as zero (<see cref="BlockExtentKind.Zero"/> or <see cref="BlockExtentKind.Hole"/>).</summary>
    public bool ReadsAsZeros => Kind != BlockExtentKind.Data;
}

/// <summary>What a range of a block source holds.</summary>
public enum BlockExtentKind
{
    /// <summary>Bytes that must be read (they may still happen to be zeros).</summary>
    Data = 0,

    /// <summary>Allocated, and known to read as zeros (a zero fill): a copy may write zeros or leave a hole.</summary>
    Zero = 1,

    /// <summary>Not allocated, and reads as zeros (a DONT_CARE range, a file hole): a copy should leave a hole.</summary>
    Hole = 2,
}
