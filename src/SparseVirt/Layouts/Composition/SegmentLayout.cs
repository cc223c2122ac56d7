using SparseVirt.BlockSources;

namespace SparseVirt.Layouts.Composition;

/// <summary>
/// Collects the pieces of a disk being composed at their offsets, in any order, and turns them into a
/// <see cref="SegmentedBlockSource"/> whose gaps read as holes. Overlapping pieces are a bug in the caller's layout.
/// </summary>
internal sealed class SegmentLayout
{
    private readonly List<BlockSegment> _pieces = [];

    public void AddBytes(long offset, ReadOnlyMemory<byte> bytes) => _pieces.Add(BlockSegment.FromBytes(offset, bytes));

    public void AddSource(long offset, long length, IBlockSource source, long sourceOffset) =>
        _pieces.Add(BlockSegment.FromSource(offset, length, source, sourceOffset));

    public void AddZeros(long offset, long length) => _pieces.Add(BlockSegment.Zeros(offset, length));

    public SegmentedBlockSource Build(long length, int blockSize)
    {
        var segments = new List<BlockSegment>(_pieces.Count * 2 + 1);
        long next = 0;
        foreach (BlockSegment piece in _pieces.Where(p => p.Length > 0).OrderBy(p => p.Offset))
        {
            if (piece.Offset < next)
            {
                throw new InvalidOperationException($"Layout pieces overlap: one starts at {piece.Offset}, before the previous one ends at {next}.");
            }
            if (piece.Offset > next)
            {
                segments.Add(BlockSegment.Hole(next, piece.Offset - next));
            }
            segments.Add(piece);
            next = piece.End;
        }
        if (next > length)
        {
            throw new InvalidOperationException($"Layout pieces end at {next}, past the disk's {length} bytes.");
        }
        if (next < length)
        {
            segments.Add(BlockSegment.Hole(next, length - next));
        }
        return new SegmentedBlockSource(segments, blockSize);
    }
}
