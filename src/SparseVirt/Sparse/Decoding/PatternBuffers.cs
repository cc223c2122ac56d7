using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SparseVirt.Sparse;

/// <summary>Large buffers of one repeated 32-bit pattern, for writing FILL chunks (and zeros) in big writes.</summary>
internal static class PatternBuffers
{
    /// <summary>The size of a pattern or copy buffer: large enough that per-call costs vanish, small enough to stay in cache-friendly pools.</summary>
    public const int Size = 1024 * 1024;

    private static readonly byte[] s_zeros = GC.AllocateArray<byte>(Size, pinned: true);

    /// <summary>A shared, read-only buffer of zeros.</summary>
    public static ReadOnlyMemory<byte> Zeros => s_zeros;

    /// <summary>
    /// Rents a buffer holding <paramref name="pattern"/> (stored little-endian) repeated over
    /// <c>min(<paramref name="length"/>, <see cref="Size"/>)</c> bytes, which the result's length is: a short FILL
    /// chunk does not pay for filling a whole megabyte.
    /// </summary>
    public static ArraySegment<byte> RentFilled(uint pattern, long length)
    {
        int filled = (int)Math.Min(length, Size);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Size);
        uint stored = BitConverter.IsLittleEndian ? pattern : BinaryPrimitives.ReverseEndianness(pattern);
        MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, (filled + 3) & ~3)).Fill(stored);
        return new ArraySegment<byte>(buffer, 0, filled);
    }

    public static void Return(ArraySegment<byte> buffer) => ArrayPool<byte>.Shared.Return(buffer.Array!);
}
