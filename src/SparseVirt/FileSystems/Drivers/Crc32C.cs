using System.Buffers.Binary;
using System.Numerics;

namespace SparseVirt.FileSystems.Drivers;

/// <summary>
/// The raw CRC32C (Castagnoli) update both formats checksum with (ext4's <c>metadata_csum</c>, EROFS's superblock):
/// no inversion here, the caller seeds it and decides on the final one, as the kernel's <c>crc32c</c> callers do.
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is the SSE4.2/ARMv8 instruction, with a software fallback.
/// </summary>
internal static class Crc32C
{
    /// <summary>Continues a CRC32C over <paramref name="data"/> from <paramref name="crc"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}
