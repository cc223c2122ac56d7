using System.Buffers.Binary;

namespace SparseVirt.Tests.Sparse.Writing;

/// <summary>Crafted raw images: random data, runs of zeros and of one fill word, in a known layout.</summary>
internal static class RawImages
{
    /// <summary>
    /// A raw image of <paramref name="length"/> bytes mixing, per 4 KiB block, random data, zeros and a repeated word,
    /// so every chunk kind and every merge case occurs at any block size from 1 KiB to 64 KiB.
    /// </summary>
    public static byte[] Mixed(int length, int seed = 1)
    {
        var random = new Random(seed);
        byte[] data = new byte[length];
        for (int offset = 0; offset < length; offset += 4096)
        {
            int size = Math.Min(4096, length - offset);
            Span<byte> block = data.AsSpan(offset, size);
            switch (random.Next(5))
            {
                case 0 or 1:
                    random.NextBytes(block);
                    break;
                case 2:
                    break;
                case 3:
                    for (int i = 0; i + 4 <= size; i += 4)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(block[i..], 0xDEADBEEF);
                    }
                    break;
                default:
                    // Equal words except the very last byte: must not become a FILL chunk.
                    block.Fill(0x5A);
                    block[^1] = 0x5B;
                    break;
            }
        }
        // Runs long enough for 64 KiB blocks too: 256 KiB of the fill word at 1 MiB and of zeros at 2 MiB.
        for (int i = 1 << 20; i + 4 <= Math.Min(length, (1 << 20) + (256 << 10)); i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(i), 0xDEADBEEF);
        }
        if (length > 2 << 20)
        {
            data.AsSpan(2 << 20, Math.Min(256 << 10, length - (2 << 20))).Clear();
        }
        return data;
    }

    public static string Write(string path, byte[] data)
    {
        File.WriteAllBytes(path, data);
        return path;
    }
}
