namespace SparseVirt.Sparse;

/// <summary>
/// One piece of a split sparse image: a complete sparse image of the same block size and total_blks as the
/// original that carries the data of blocks <see cref="FirstBlock"/> to <see cref="EndBlock"/> (exclusive) and
/// says DONT_CARE for every other block, so flashing the pieces in order rebuilds the image.
/// </summary>
public sealed class SparsePiece
{
    internal SparsePiece(int index, IReadOnlyList<SparsePieceSegment> segments, uint totalBlocks, uint blockSize)
    {
        Index = index;
        Segments = segments;
        FirstBlock = segments.Count == 0 ? 0 : segments[0].StartBlock;
        EndBlock = segments.Count == 0 ? 0 : segments[^1].StartBlock + segments[^1].BlockCount;

        long length = SparseFormat.FileHeaderSize;
        int chunks = 0;
        long next = 0;
        foreach (SparsePieceSegment segment in segments)
        {
            if (segment.StartBlock > next)
            {
                chunks++;
                length += SparseFormat.ChunkHeaderSize;
            }
            chunks++;
            length += SparseFormat.ChunkHeaderSize + segment.PayloadLength(blockSize);
            next = segment.StartBlock + segment.BlockCount;
        }
        if (next < totalBlocks)
        {
            chunks++;
            length += SparseFormat.ChunkHeaderSize;
        }
        ChunkCount = chunks;
        Length = length;
    }

    /// <summary>The piece's position among the pieces, from 0 (the <c>.N</c> suffix of its file).</summary>
    public int Index { get; }

    /// <summary>The first block whose data the piece carries (0 for a piece that carries none).</summary>
    public long FirstBlock { get; }

    /// <summary>The block after the last one whose data the piece carries.</summary>
    public long EndBlock { get; }

    /// <summary>The number of chunks in the piece, DONT_CARE chunks included.</summary>
    public int ChunkCount { get; }

    /// <summary>The piece's size in bytes as a sparse image file.</summary>
    public long Length { get; }

    internal IReadOnlyList<SparsePieceSegment> Segments { get; }
}

/// <summary>A run of blocks of one source chunk (RAW or FILL) that a piece carries.</summary>
/// <param name="SourceChunk">The chunk of the original image.</param>
/// <param name="StartBlock">The first output block carried.</param>
/// <param name="BlockCount">The number of blocks carried.</param>
internal readonly record struct SparsePieceSegment(SparseChunk SourceChunk, long StartBlock, uint BlockCount)
{
    public long PayloadLength(uint blockSize) =>
        SourceChunk.Type == SparseChunkType.Raw ? (long)BlockCount * blockSize : SparseFormat.FillOrCrcPayloadSize;

    /// <summary>Where the carried RAW data starts in the original image.</summary>
    public long SourcePayloadOffset(uint blockSize) =>
        SourceChunk.PayloadOffset + ((StartBlock - SourceChunk.StartBlock) * blockSize);
}
