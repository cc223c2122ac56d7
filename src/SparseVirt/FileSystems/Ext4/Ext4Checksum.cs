using System.Buffers.Binary;
using System.Numerics;

using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// ext4's <c>metadata_csum</c> checksums: CRC32C (Castagnoli) without the final inversion, as the kernel's
/// <c>ext4_chksum</c> computes it, seeded per file system and per inode. <see cref="BitOperations.Crc32C(uint, byte)"/>
/// is the same raw update (the SSE4.2 <c>crc32</c> instruction's, with a software fallback elsewhere).
/// </summary>
internal static class Ext4Checksum
{
    /// <summary>Continues a CRC32C over <paramref name="data"/> from <paramref name="crc"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data) => Crc32C.Update(crc, data);

    /// <summary>Continues a CRC32C over a little-endian 32-bit value (an inode or group number).</summary>
    public static uint Update(uint crc, uint value) => BitOperations.Crc32C(crc, value);

    /// <summary>Continues a CRC32C over <paramref name="count"/> zero bytes (a checksum field taken as zero).</summary>
    public static uint UpdateZeros(uint crc, int count)
    {
        for (int i = 0; i < count; i++)
        {
            crc = BitOperations.Crc32C(crc, (byte)0);
        }
        return crc;
    }

    /// <summary>The file system's seed: <c>s_checksum_seed</c> with <c>csum_seed</c>, else the CRC of the UUID.</summary>
    public static uint FileSystemSeed(Ext4Superblock superblock) =>
        (superblock.FeatureIncompat & Ext4Superblock.IncompatChecksumSeed) != 0
            ? superblock.ChecksumSeed
            : Update(~0u, superblock.Uuid);

    /// <summary>An inode's seed: the file system's seed over its number and generation.</summary>
    public static uint InodeSeed(uint fileSystemSeed, uint inode, uint generation) =>
        Update(Update(fileSystemSeed, inode), generation);

    /// <summary>Checks the superblock's own checksum (<c>s_checksum</c> over the bytes before it).</summary>
    public static void VerifySuperblock(ReadOnlySpan<byte> raw, Ext4Superblock superblock)
    {
        uint computed = Update(~0u, raw[..Ext4Superblock.ChecksumOffset]);
        if (computed != superblock.Checksum)
        {
            throw new InvalidDataException(
                $"ext4 superblock: checksum mismatch (stored 0x{superblock.Checksum:X8}, computed 0x{computed:X8}).");
        }
    }

    /// <summary>Checks a block whose checksum is its last 4 bytes of a region (an extent block's tail).</summary>
    public static void VerifyTail(ReadOnlySpan<byte> covered, uint stored, uint seed, string what)
    {
        uint computed = Update(seed, covered);
        if (computed != stored)
        {
            throw new InvalidDataException($"{what}: checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}).");
        }
    }
}
