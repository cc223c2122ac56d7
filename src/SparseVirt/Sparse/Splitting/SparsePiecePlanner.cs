namespace SparseVirt.Sparse;

/// <summary>
/// Packs an image's RAW and FILL chunks, in order, into pieces of at most a given size, cutting a RAW chunk across
/// pieces when it does not fit (as libsparse's <c>sparse_file_resparse</c> does for <c>simg2simg</c> and fastboot).
/// Every piece budgets for its file header and a DONT_CARE chunk before and after what it carries; a gap between
/// two carried runs costs one more DONT_CARE chunk.
/// </summary>
internal static class SparsePiecePlanner
{
    private const int Header = SparseFormat.FileHeaderSize;
    private const int ChunkHeader = SparseFormat.ChunkHeaderSize;

    /// <summary>The smallest piece size that can carry one block of every chunk kind the image has.</summary>
    public static long MinimumPieceSize(SparseHeader header, IReadOnlyList<SparseChunk> chunks)
    {
        bool hasRaw = chunks.Any(c => c.Type == SparseChunkType.Raw && c.BlockCount > 0);
        long payload = hasRaw ? header.BlockSize : SparseFormat.FillOrCrcPayloadSize;
        return Header + (3 * ChunkHeader) + payload;
    }

    public static List<SparsePiece> Plan(SparseHeader header, IReadOnlyList<SparseChunk> chunks, long maxBytes)
    {
        long minimum = MinimumPieceSize(header, chunks);
        if (maxBytes < minimum)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxBytes),
                maxBytes,
                $"A piece of at most {maxBytes} bytes cannot hold even one chunk of this image: with {header.BlockSize}-byte blocks a piece needs at least {minimum} bytes (28-byte file header, DONT_CARE chunks before and after, one chunk header and its payload).");
        }

        uint blockSize = header.BlockSize;
        var pieces = new List<SparsePiece>();
        var current = new List<SparsePieceSegment>();
        long used = Header + (2 * ChunkHeader);
        long currentEnd = -1;

        foreach (SparseChunk chunk in chunks)
        {
            if (chunk.Type is not (SparseChunkType.Raw or SparseChunkType.Fill) || chunk.BlockCount == 0)
            {
                continue;
            }
            long start = chunk.StartBlock;
            while (start < chunk.EndBlock)
            {
                long gap = current.Count > 0 && start != currentEnd ? ChunkHeader : 0;
                long room = maxBytes - used - gap - ChunkHeader;
                long blocks = chunk.Type == SparseChunkType.Fill
                    ? (room >= SparseFormat.FillOrCrcPayloadSize ? chunk.EndBlock - start : 0)
                    : Math.Min(room / blockSize, chunk.EndBlock - start);
                if (blocks <= 0)
                {
                    // The minimum-size check guarantees an empty piece takes at least one block.
                    pieces.Add(new SparsePiece(pieces.Count, current, header.TotalBlocks, blockSize));
                    current = [];
                    used = Header + (2 * ChunkHeader);
                    continue;
                }

                var segment = new SparsePieceSegment(chunk, start, (uint)blocks);
                current.Add(segment);
                used += gap + ChunkHeader + segment.PayloadLength(blockSize);
                start += blocks;
                currentEnd = start;
            }
        }
        if (current.Count > 0 || pieces.Count == 0)
        {
            pieces.Add(new SparsePiece(pieces.Count, current, header.TotalBlocks, blockSize));
        }
        return pieces;
    }
}
