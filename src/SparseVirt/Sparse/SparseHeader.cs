using System.Buffers.Binary;

namespace SparseVirt.Sparse;

/// <summary>The file header of an Android sparse image, as declared by the image and validated by <see cref="Read"/>.</summary>
/// <param name="MajorVersion">Always <see cref="SparseFormat.MajorVersion"/> for a valid image.</param>
/// <param name="MinorVersion">Any value is accepted.</param>
/// <param name="FileHeaderSize">The declared file header size (at least 28; extra bytes are skipped).</param>
/// <param name="ChunkHeaderSize">The declared chunk header size (at least 12; extra bytes are skipped).</param>
/// <param name="BlockSize">Bytes per block: positive and a multiple of 4.</param>
/// <param name="TotalBlocks">Blocks in the expanded image.</param>
/// <param name="TotalChunks">Chunks in the sparse image.</param>
/// <param name="ImageChecksum">CRC32 of the expanded image (DONT_CARE as zeros), or 0 when the writer did not record one.</param>
public readonly record struct SparseHeader(
    ushort MajorVersion,
    ushort MinorVersion,
    ushort FileHeaderSize,
    ushort ChunkHeaderSize,
    uint BlockSize,
    uint TotalBlocks,
    uint TotalChunks,
    uint ImageChecksum)
{
    /// <summary>The length of the expanded image in bytes (<c>TotalBlocks * BlockSize</c>, never overflowing).</summary>
    public long RawLength => (long)TotalBlocks * BlockSize;

    /// <summary>A header of the first revision's sizes for an image of the given shape.</summary>
    public static SparseHeader Create(uint blockSize, uint totalBlocks, uint totalChunks, uint imageChecksum = 0) =>
        new(SparseFormat.MajorVersion, 0, SparseFormat.FileHeaderSize, SparseFormat.ChunkHeaderSize, blockSize, totalBlocks, totalChunks, imageChecksum);

    /// <summary>True when <paramref name="source"/> starts with the sparse image magic number.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> source) =>
        source.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(source) == SparseFormat.Magic;

    /// <summary>
    /// Reads and validates the first 28 bytes of a sparse image. <paramref name="source"/> must hold at least
    /// <see cref="SparseFormat.FileHeaderSize"/> bytes.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is not a valid sparse image header; the message says why.</exception>
    public static SparseHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < SparseFormat.FileHeaderSize)
        {
            throw new ArgumentException($"A sparse image header needs {SparseFormat.FileHeaderSize} bytes; {source.Length} were given.", nameof(source));
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (magic != SparseFormat.Magic)
        {
            SparseThrowHelper.ThrowBadMagic(magic, source);
        }

        var header = new SparseHeader(
            MajorVersion: BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            MinorVersion: BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            FileHeaderSize: BinaryPrimitives.ReadUInt16LittleEndian(source[8..]),
            ChunkHeaderSize: BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            BlockSize: BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            TotalBlocks: BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            TotalChunks: BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
            ImageChecksum: BinaryPrimitives.ReadUInt32LittleEndian(source[24..]));
        header.Validate();
        return header;
    }

    /// <summary>Writes the 28-byte header (extra declared header bytes are the caller's to write, as zeros).</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < SparseFormat.FileHeaderSize)
        {
            throw new ArgumentException($"A sparse image header needs {SparseFormat.FileHeaderSize} bytes; {destination.Length} were given.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination, SparseFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], MinorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], FileHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], ChunkHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], BlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], TotalBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], TotalChunks);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], ImageChecksum);
    }

    /// <summary>Checks the header's own fields (not the chunks); throws <see cref="InvalidDataException"/> naming the field.</summary>
    public void Validate()
    {
        if (MajorVersion != SparseFormat.MajorVersion)
        {
            SparseThrowHelper.ThrowHeaderField($"major version {MajorVersion} is not supported (only {SparseFormat.MajorVersion} exists)", 4);
        }
        if (FileHeaderSize < SparseFormat.FileHeaderSize)
        {
            SparseThrowHelper.ThrowHeaderField($"file_hdr_sz {FileHeaderSize} is below the minimum of {SparseFormat.FileHeaderSize}", 8);
        }
        if (ChunkHeaderSize < SparseFormat.ChunkHeaderSize)
        {
            SparseThrowHelper.ThrowHeaderField($"chunk_hdr_sz {ChunkHeaderSize} is below the minimum of {SparseFormat.ChunkHeaderSize}", 10);
        }
        if (BlockSize == 0 || BlockSize % 4 != 0)
        {
            SparseThrowHelper.ThrowHeaderField($"blk_sz {BlockSize} must be a positive multiple of 4", 12);
        }
        if ((ulong)TotalBlocks * BlockSize > long.MaxValue)
        {
            // The product of two 32-bit fields can exceed a signed 64-bit length; RawLength must never go negative.
            SparseThrowHelper.ThrowHeaderField($"total_blks {TotalBlocks} x blk_sz {BlockSize} overflows the largest possible image length ({long.MaxValue} bytes)", 16);
        }
    }
}
