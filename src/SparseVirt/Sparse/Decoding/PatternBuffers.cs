using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SparseVirt.Sparse.Decoding;

/// <summary>Large buffers of one repeated 32-bit pattern, for writing FILL chunks (and zeros) in big writes.</summary>
internal static class PatternBuffers
{
    /// <summary>The size of a pattern or copy buffer: large enough that per-call costs vanish, small enough to stay in cache-friendly pools.</summary>
    public const int Size = 1024 * 1024;

    private static readonly byte[] s_zeros = GC.AllocateArray<byte>(Size, pinned: true);

    /// <summary>A shared, read-only buffer of zeros.</summary>
    public static ReadOnlyMemory<byte> Zeros => s_zeros;

    /// <summary>Rents a buffer and fills its first <see cref="Size"/> bytes with <paramref name="pattern"/> stored little-endian.</summary>
    public static byte[] RentFilled(uint pattern)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Size);
        uint stored = BitConverter.IsLittleEndian ? pattern : BinaryPrimitives.ReverseEndianness(pattern);
        MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, Size)).Fill(stored);
        return buffer;
    }

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
