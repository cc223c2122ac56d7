using System.Text.Json;

namespace SparseVirt.Sparse;

/// <summary>
/// What <c>sparsevirt info</c> reports about a sparse image: the header fields, every chunk, totals per chunk type
/// and how much of the image is data. <see cref="ToJson"/> gives the stable JSON form documented in
/// <c>docs/sparse-creating.md</c> (its layout changes only with <see cref="SchemaVersion"/>).
/// </summary>
public sealed class SparseImageInfo
{
    /// <summary>The version of the JSON layout; bumped on any incompatible change.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The version of the JSON layout this object serializes to.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The file header's fields.</summary>
    public required SparseHeaderInfo Header { get; init; }

    /// <summary>The length of the expanded image in bytes.</summary>
    public required long RawLength { get; init; }

    /// <summary>The bytes the sparse image occupies (file header to the end of the last chunk).</summary>
    public required long SparseLength { get; init; }

    /// <summary>Blocks that carry defined content (RAW and FILL).</summary>
    public required long DataBlocks { get; init; }

    /// <summary><see cref="DataBlocks"/> over total_blks: the share of the image the image defines (0 for an empty image).</summary>
    public required double DataRatio { get; init; }

    /// <summary><see cref="SparseLength"/> over <see cref="RawLength"/>: the space the sparse form takes relative to the raw one.</summary>
    public required double SpaceRatio { get; init; }

    /// <summary>Chunks, blocks and bytes per chunk type.</summary>
    public required SparseChunkTotals Totals { get; init; }

    /// <summary>Every chunk, in image order.</summary>
    public required IReadOnlyList<SparseChunkInfo> Chunks { get; init; }

    /// <summary>Describes an opened image (reads nothing more from it).</summary>
    public static SparseImageInfo FromImage(SparseImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        SparseHeader header = image.Header;
        var chunks = new SparseChunkInfo[image.Chunks.Count];
        SparseTypeTotals raw = new(), fill = new(), dontCare = new(), crc = new();
        for (int i = 0; i < chunks.Length; i++)
        {
            SparseChunk chunk = image.Chunks[i];
            long totalSize = chunk.PayloadOffset - chunk.HeaderOffset + chunk.PayloadLength;
            chunks[i] = new SparseChunkInfo
            {
                Index = chunk.Index,
                Type = TypeName(chunk.Type),
                StartBlock = chunk.StartBlock,
                BlockCount = chunk.BlockCount,
                OutputOffset = chunk.OutputOffset(header.BlockSize),
                InputOffset = chunk.HeaderOffset,
                Size = totalSize,
                FillValue = chunk.Type == SparseChunkType.Fill ? chunk.FillValue : null,
                Crc32 = chunk.Type == SparseChunkType.Crc32 ? chunk.Crc32 : null,
            };
            SparseTypeTotals totals = chunk.Type switch
            {
                SparseChunkType.Raw => raw,
                SparseChunkType.Fill => fill,
                SparseChunkType.DontCare => dontCare,
                _ => crc,
            };
            totals.Chunks++;
            totals.Blocks += chunk.BlockCount;
            totals.Bytes += totalSize;
        }

        long dataBlocks = raw.Blocks + fill.Blocks;
        return new SparseImageInfo
        {
            Header = new SparseHeaderInfo
            {
                MajorVersion = header.MajorVersion,
                MinorVersion = header.MinorVersion,
                FileHeaderSize = header.FileHeaderSize,
                ChunkHeaderSize = header.ChunkHeaderSize,
                BlockSize = header.BlockSize,
                TotalBlocks = header.TotalBlocks,
                TotalChunks = header.TotalChunks,
                ImageChecksum = header.ImageChecksum,
            },
            RawLength = header.RawLength,
            SparseLength = image.SparseLength,
            DataBlocks = dataBlocks,
            DataRatio = header.TotalBlocks == 0 ? 0 : Math.Round((double)dataBlocks / header.TotalBlocks, 6),
            SpaceRatio = header.RawLength == 0 ? 0 : Math.Round((double)image.SparseLength / header.RawLength, 6),
            Totals = new SparseChunkTotals { Raw = raw, Fill = fill, DontCare = dontCare, Crc32 = crc },
            Chunks = chunks,
        };
    }

    /// <summary>The JSON form: camelCase names, indented, absent values omitted.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SparseInspectionJsonContext.Default.SparseImageInfo);

    /// <summary>The AOSP name of a chunk type: RAW, FILL, DONT_CARE or CRC32.</summary>
    public static string TypeName(SparseChunkType type) => SparseChunkCursor.TypeName(type);
}

/// <summary>The file header's fields as the image declares them.</summary>
public sealed class SparseHeaderInfo
{
    /// <summary>major_version (always 1).</summary>
    public required ushort MajorVersion { get; init; }

    /// <summary>minor_version.</summary>
    public required ushort MinorVersion { get; init; }

    /// <summary>file_hdr_sz.</summary>
    public required ushort FileHeaderSize { get; init; }

    /// <summary>chunk_hdr_sz.</summary>
    public required ushort ChunkHeaderSize { get; init; }

    /// <summary>blk_sz.</summary>
    public required uint BlockSize { get; init; }

    /// <summary>total_blks.</summary>
    public required uint TotalBlocks { get; init; }

    /// <summary>total_chunks.</summary>
    public required uint TotalChunks { get; init; }

    /// <summary>image_checksum (0: none recorded).</summary>
    public required uint ImageChecksum { get; init; }
}

/// <summary>One chunk as <c>info</c> lists it.</summary>
public sealed class SparseChunkInfo
{
    /// <summary>The chunk's position, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>RAW, FILL, DONT_CARE or CRC32.</summary>
    public required string Type { get; init; }

    /// <summary>The first output block the chunk covers.</summary>
    public required long StartBlock { get; init; }

    /// <summary>The output blocks it covers (0 for CRC32).</summary>
    public required uint BlockCount { get; init; }

    /// <summary>The byte offset of its output in the expanded image.</summary>
    public required long OutputOffset { get; init; }

    /// <summary>The byte offset of its chunk header in the sparse image.</summary>
    public required long InputOffset { get; init; }

    /// <summary>Its bytes in the sparse image, header included (total_sz).</summary>
    public required long Size { get; init; }

    /// <summary>The 32-bit fill pattern of a FILL chunk (little-endian value); absent otherwise.</summary>
    public uint? FillValue { get; init; }

    /// <summary>The checksum a CRC32 chunk records; absent otherwise.</summary>
    public uint? Crc32 { get; init; }
}

/// <summary>Totals per chunk type.</summary>
public sealed class SparseChunkTotals
{
    /// <summary>RAW chunks.</summary>
    public required SparseTypeTotals Raw { get; init; }

    /// <summary>FILL chunks.</summary>
    public required SparseTypeTotals Fill { get; init; }

    /// <summary>DONT_CARE chunks.</summary>
    public required SparseTypeTotals DontCare { get; init; }

    /// <summary>CRC32 chunks.</summary>
    public required SparseTypeTotals Crc32 { get; init; }
}

/// <summary>How many chunks of one type an image has, the blocks they cover and the bytes they take.</summary>
public sealed class SparseTypeTotals
{
    /// <summary>The number of chunks.</summary>
    public int Chunks { get; set; }

    /// <summary>The output blocks they cover.</summary>
    public long Blocks { get; set; }

    /// <summary>Their bytes in the sparse image, headers included.</summary>
    public long Bytes { get; set; }
}
