using System.Buffers.Binary;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>Sparse images for the decoding benchmarks, built in memory.</summary>
internal static class DecodeBenchmarkImages
{
    /// <summary>An image of <paramref name="chunks"/> small chunks cycling RAW (1 block), FILL, DONT_CARE and zero FILL.</summary>
    public static byte[] ManySmallChunks(int chunks, uint blockSize = 4096)
    {
        using var image = new MemoryStream();
        WriteHeader(image, blockSize, (uint)chunks, (uint)chunks);
        byte[] block = new byte[blockSize];
        new Random(1).NextBytes(block);
        for (int i = 0; i < chunks; i++)
        {
            switch (i % 4)
            {
                case 0:
                    WriteChunk(image, 0xCAC1, 1, block);
                    break;
                case 1:
                    WriteChunk(image, 0xCAC2, 1, [0xEF, 0xBE, 0xAD, 0xDE]);
                    break;
                case 2:
                    WriteChunk(image, 0xCAC3, 1, []);
                    break;
                default:
                    WriteChunk(image, 0xCAC2, 1, [0, 0, 0, 0]);
                    break;
            }
        }
        return image.ToArray();
    }

    /// <summary>An image of one RAW chunk of <paramref name="bytes"/> (a multiple of 4096) random bytes.</summary>
    public static byte[] OneRawChunk(int bytes)
    {
        using var image = new MemoryStream();
        uint blocks = (uint)(bytes / 4096);
        WriteHeader(image, 4096, blocks, 1);
        byte[] data = new byte[bytes];
        new Random(2).NextBytes(data);
        WriteChunk(image, 0xCAC1, blocks, data);
        return image.ToArray();
    }

    private static void WriteHeader(Stream image, uint blockSize, uint blocks, uint chunks)
    {
        Span<byte> header = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xED26FF3A);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 28);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], 12);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], blockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], blocks);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], chunks);
        image.Write(header);
    }

    private static void WriteChunk(Stream image, ushort type, uint blocks, byte[] payload)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], blocks);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)(12 + payload.Length));
        image.Write(header);
        image.Write(payload);
    }
}
