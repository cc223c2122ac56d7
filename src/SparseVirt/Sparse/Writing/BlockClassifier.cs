using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SparseVirt.Sparse;

/// <summary>
/// Decides, block by block, whether a block can be a FILL chunk: all its 32-bit words equal (the test AOSP's
/// <c>img2simg</c> applies). The comparison runs on the span helpers, which compile to Vector256/Vector512
/// compares; a block of real data usually differs within its first vector, so data costs almost nothing to classify.
/// </summary>
internal static class BlockClassifier
{
    /// <summary>True when every 32-bit word of <paramref name="block"/> (a multiple of 4 bytes) is the same; the word is returned little-endian.</summary>
    public static bool TryGetFillValue(ReadOnlySpan<byte> block, out uint value)
    {
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<byte, uint>(block);
        uint first = words[0];
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        return !words[1..].ContainsAnyExcept(first);
    }

    /// <summary>True when <paramref name="block"/> consists of the little-endian word <paramref name="value"/> repeated.</summary>
    public static bool IsFilledWith(ReadOnlySpan<byte> block, uint value)
    {
        uint native = BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
        return !MemoryMarshal.Cast<byte, uint>(block).ContainsAnyExcept(native);
    }

    /// <summary>
    /// Counts how many whole blocks from the start of <paramref name="blocks"/> are filled with <paramref name="value"/>.
    /// </summary>
    public static int CountFilledBlocks(ReadOnlySpan<byte> blocks, int blockSize, uint value)
    {
        int count = 0;
        for (int offset = 0; offset < blocks.Length && IsFilledWith(blocks.Slice(offset, blockSize), value); offset += blockSize)
        {
            count++;
        }
        return count;
    }

    /// <summary>
    /// Counts how many whole blocks from the start of <paramref name="blocks"/> are data (not FILL-able). The first
    /// FILL-able block ends the run; its value is returned so the caller need not test it again.
    /// </summary>
    public static int CountDataBlocks(ReadOnlySpan<byte> blocks, int blockSize, out bool endsOnFill, out uint fillValue)
    {
        int count = 0;
        for (int offset = 0; offset < blocks.Length; offset += blockSize)
        {
            if (TryGetFillValue(blocks.Slice(offset, blockSize), out fillValue))
            {
                endsOnFill = true;
                return count;
            }
            count++;
        }
        endsOnFill = false;
        fillValue = 0;
        return count;
    }
}
