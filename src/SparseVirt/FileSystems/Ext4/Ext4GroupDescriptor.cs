using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// The fields of a block group descriptor (<c>struct ext4_group_desc</c>, 32 bytes, or <c>s_desc_size</c> with the
/// 64bit feature) this reader uses: where the group's inode table starts.
/// </summary>
internal readonly record struct Ext4GroupDescriptor(ulong InodeTable, ushort Flags)
{
    private const int ChecksumOffset = 0x1E;

    /// <summary>Parses descriptor <paramref name="group"/> from <paramref name="raw"/> (exactly one descriptor).</summary>
    /// <exception cref="InvalidDataException">The checksum does not match, or the inode table lies outside the file system.</exception>
    public static Ext4GroupDescriptor Parse(ReadOnlySpan<byte> raw, uint group, Ext4Superblock superblock, uint checksumSeed)
    {
        if (superblock.HasMetadataChecksums)
        {
            Verify(raw, group, checksumSeed);
        }
        ulong table = BinaryPrimitives.ReadUInt32LittleEndian(raw[0x8..]);
        if (raw.Length >= 64)
        {
            table |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(raw[0x28..]) << 32;
        }
        ulong tableBlocks = ((ulong)superblock.InodesPerGroup * (ulong)superblock.InodeSize + (ulong)superblock.BlockSize - 1) / (ulong)superblock.BlockSize;
        if (table == 0 || table > superblock.BlocksCount || superblock.BlocksCount - table < tableBlocks)
        {
            throw new InvalidDataException(
                $"ext4 group descriptor {group}: inode table at block {table} ({tableBlocks} blocks) lies outside the file system ({superblock.BlocksCount} blocks).");
        }
        return new Ext4GroupDescriptor(table, BinaryPrimitives.ReadUInt16LittleEndian(raw[0x12..]));
    }

    private static void Verify(ReadOnlySpan<byte> raw, uint group, uint seed)
    {
        uint crc = Ext4Checksum.Update(seed, group);
        crc = Ext4Checksum.Update(crc, raw[..ChecksumOffset]);
        crc = Ext4Checksum.UpdateZeros(crc, 2);
        crc = Ext4Checksum.Update(crc, raw[(ChecksumOffset + 2)..]);
        ushort stored = BinaryPrimitives.ReadUInt16LittleEndian(raw[ChecksumOffset..]);
        if ((ushort)crc != stored)
        {
            throw new InvalidDataException(
                $"ext4 group descriptor {group}: checksum mismatch (stored 0x{stored:X4}, computed 0x{(ushort)crc:X4}).");
        }
    }
}
