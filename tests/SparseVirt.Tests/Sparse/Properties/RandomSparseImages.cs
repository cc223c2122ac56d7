using CsCheck;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Sparse.Properties;

/// <summary>One chunk of a generated image: its kind, size in blocks, fill value, and RAW data seed.</summary>
internal sealed record ChunkSpec(SpecKind Kind, int Blocks, uint Value, int Seed);

/// <summary>The chunk kinds a generated image mixes.</summary>
internal enum SpecKind
{
    Raw,
    Fill,
    DontCare,
    Crc32,
}

/// <summary>A generated valid image: its bytes and the raw image it must expand to.</summary>
internal sealed record GeneratedImage(byte[] Bytes, byte[] Expected, string Description)
{
    public override string ToString() => Description;
}

/// <summary>
/// CsCheck generators of valid sparse images: random chunk mixes (RAW, FILL, DONT_CARE, CRC32 with the running
/// checksum), block sizes from 4 bytes to 4 KiB, vendor-extended file and chunk header sizes, and sometimes a whole-image
/// checksum. Small, so hundreds run in seconds.
/// </summary>
internal static class RandomSparseImages
{
    public static readonly Gen<ChunkSpec> Chunk = Gen.Select(
        Gen.Enum<SpecKind>(), Gen.Int[1, 6], Gen.UInt, Gen.Int, (kind, blocks, value, seed) => new ChunkSpec(kind, blocks, value, seed));

    public static readonly Gen<GeneratedImage> Image = Gen.Select(
        Gen.OneOf(4u, 8u, 64u, 512u, 4096u),
        Gen.OneOf((ushort)28, (ushort)32, (ushort)44),
        Gen.OneOf((ushort)12, (ushort)16, (ushort)24),
        Chunk.Array[0, 10],
        Gen.Bool,
        Build);

    private static GeneratedImage Build(uint blockSize, ushort fileHeaderSize, ushort chunkHeaderSize, ChunkSpec[] chunks, bool imageChecksum)
    {
        var builder = new SparseImageBuilder(blockSize, fileHeaderSize, chunkHeaderSize);
        foreach (ChunkSpec chunk in chunks)
        {
            _ = chunk.Kind switch
            {
                SpecKind.Raw => builder.Raw(chunk.Blocks, chunk.Seed),
                SpecKind.Fill => builder.Fill(chunk.Value, (uint)chunk.Blocks),
                SpecKind.DontCare => builder.DontCare((uint)chunk.Blocks),
                _ => builder.Crc32(),
            };
        }
        if (imageChecksum)
        {
            builder.ImageChecksum = builder.RunningCrc;
        }
        string description = $"blk_sz {blockSize}, headers {fileHeaderSize}/{chunkHeaderSize}, image checksum {imageChecksum}, chunks "
            + string.Join(' ', chunks.Select(c => c.Kind == SpecKind.Crc32 ? "CRC32" : $"{c.Kind}x{c.Blocks}"));
        return new GeneratedImage(builder.Build(), builder.Expected, description);
    }
}
