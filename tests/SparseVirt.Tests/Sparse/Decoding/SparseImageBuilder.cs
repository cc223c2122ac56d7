using System.Buffers.Binary;
using System.IO.Hashing;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>
/// Builds sparse images byte by byte for tests, together with the raw image they must expand to (DONT_CARE as
/// zeros). Header fields can be overridden to craft malformed images; CRC32 chunks take the running checksum
/// unless a value is given.
/// </summary>
internal sealed class SparseImageBuilder
{
    private readonly List<byte[]> _chunks = [];
    private readonly MemoryStream _expected = new();
    private readonly Crc32 _crc = new();
    private long _blocks;

    public SparseImageBuilder(uint blockSize = 4096, ushort fileHeaderSize = 28, ushort chunkHeaderSize = 12)
    {
        BlockSize = blockSize;
        FileHeaderSize = fileHeaderSize;
        ChunkHeaderSize = chunkHeaderSize;
    }

    public uint BlockSize { get; }

    public ushort FileHeaderSize { get; }

    public ushort ChunkHeaderSize { get; }

    public uint Magic { get; set; } = 0xED26FF3A;

    public ushort MajorVersion { get; set; } = 1;

    public ushort MinorVersion { get; set; }

    public uint? TotalBlocksOverride { get; set; }

    public uint? TotalChunksOverride { get; set; }

    public uint ImageChecksum { get; set; }

    public uint? BlockSizeOverride { get; set; }

    /// <summary>The raw image the chunks added so far expand to.</summary>
    public byte[] Expected => _expected.ToArray();

    /// <summary>The running CRC32 of the expected output so far.</summary>
    public uint RunningCrc => _crc.GetCurrentHashAsUInt32();

    public SparseImageBuilder Raw(byte[] data)
    {
        if (data.Length % BlockSize != 0)
        {
            throw new ArgumentException("RAW data must be whole blocks.", nameof(data));
        }
        Output(data);
        return Chunk(0xCAC1, (uint)(data.Length / BlockSize), data);
    }

    public SparseImageBuilder Raw(int blocks, int seed) => Raw(RandomBytes(blocks * (int)BlockSize, seed));

    public SparseImageBuilder Fill(uint value, uint blocks)
    {
        byte[] pattern = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(pattern, value);
        byte[] output = new byte[blocks * BlockSize];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(output.AsSpan()).Fill(BinaryPrimitives.ReadUInt32LittleEndian(pattern));
        Output(output);
        return Chunk(0xCAC2, blocks, pattern);
    }

    public SparseImageBuilder DontCare(uint blocks)
    {
        Output(new byte[blocks * BlockSize]);
        return Chunk(0xCAC3, blocks, []);
    }

    /// <summary>A DONT_CARE chunk too large to keep expected bytes for (tests check length and sparseness only).</summary>
    public SparseImageBuilder HugeDontCare(uint blocks)
    {
        _blocks += blocks;
        _chunks.Add(ChunkBytes(0xCAC3, blocks, []));
        return this;
    }

    public SparseImageBuilder Crc32(uint? value = null)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, value ?? RunningCrc);
        _chunks.Add(ChunkBytes(0xCAC4, 0, payload));
        return this;
    }

    /// <summary>A chunk with arbitrary header fields, for malformed images; its output is not tracked.</summary>
    public SparseImageBuilder Custom(ushort type, uint blocks, byte[] payload, uint? totalSize = null)
    {
        _blocks += blocks;
        _chunks.Add(ChunkBytes(type, blocks, payload, totalSize));
        return this;
    }

    public byte[] Build()
    {
        using var image = new MemoryStream();
        byte[] header = new byte[FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), MinorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), FileHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), ChunkHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), BlockSizeOverride ?? BlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), TotalBlocksOverride ?? checked((uint)_blocks));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), TotalChunksOverride ?? (uint)_chunks.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), ImageChecksum);
        for (int i = 28; i < header.Length; i++)
        {
            header[i] = 0xEE; // extra header bytes must be skipped, whatever they hold
        }
        image.Write(header);
        foreach (byte[] chunk in _chunks)
        {
            image.Write(chunk);
        }
        return image.ToArray();
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private SparseImageBuilder Chunk(ushort type, uint blocks, byte[] payload)
    {
        _blocks += blocks;
        _chunks.Add(ChunkBytes(type, blocks, payload));
        return this;
    }

    private byte[] ChunkBytes(ushort type, uint blocks, byte[] payload, uint? totalSize = null)
    {
        byte[] chunk = new byte[ChunkHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(chunk, type);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), blocks);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(8), totalSize ?? (uint)chunk.Length);
        for (int i = 12; i < ChunkHeaderSize; i++)
        {
            chunk[i] = 0xEE;
        }
        payload.CopyTo(chunk, ChunkHeaderSize);
        return chunk;
    }

    private void Output(byte[] data)
    {
        _expected.Write(data);
        _crc.Append(data);
    }
}
