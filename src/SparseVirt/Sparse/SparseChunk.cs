namespace SparseVirt.Sparse;

/// <summary>One validated chunk of a sparse image: what it is, where its output goes, and where its payload lies.</summary>
/// <param name="Index">The chunk's position in the image, from 0.</param>
/// <param name="Type">The chunk type.</param>
/// <param name="StartBlock">The first output block the chunk covers.</param>
/// <param name="BlockCount">The number of output blocks it covers (0 for CRC32 chunks).</param>
/// <param name="HeaderOffset">The byte offset of the chunk header in the sparse image.</param>
/// <param name="PayloadOffset">The byte offset of the payload (RAW data, FILL pattern or CRC32 value) in the sparse image.</param>
/// <param name="PayloadLength">The payload's length in bytes (total_sz minus the chunk header size).</param>
/// <param name="Value">The fill pattern of a FILL chunk or the checksum of a CRC32 chunk, as a little-endian 32-bit value; otherwise 0.</param>
public readonly record struct SparseChunk(
    int Index,
    SparseChunkType Type,
    long StartBlock,
    uint BlockCount,
    long HeaderOffset,
    long PayloadOffset,
    long PayloadLength,
    uint Value)
{
    /// <summary>The block after the last one this chunk covers.</summary>
    public long EndBlock => StartBlock + BlockCount;

    /// <summary>The fill pattern of a FILL chunk (the 32-bit value repeated through its blocks).</summary>
    public uint FillValue => Type == SparseChunkType.Fill ? Value : 0;

    /// <summary>The checksum a CRC32 chunk records.</summary>
    public uint Crc32 => Type == SparseChunkType.Crc32 ? Value : 0;

    /// <summary>The byte offset of the chunk's output in the expanded image, given the block size.</summary>
    public long OutputOffset(uint blockSize) => StartBlock * blockSize;

    /// <summary>The number of output bytes the chunk covers, given the block size.</summary>
    public long OutputLength(uint blockSize) => (long)BlockCount * blockSize;
}
