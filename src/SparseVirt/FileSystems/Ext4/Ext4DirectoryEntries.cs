using System.Buffers.Binary;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// Linear directory entries (<c>struct ext4_dir_entry_2</c>): a directory block, or an inline directory's area.
/// Hashed-tree (htree) directories are read the same way: their index blocks look like one empty entry spanning
/// the block, and the root's <c>..</c> spans the index, so a linear read sees every name once.
/// </summary>
internal static class Ext4DirectoryEntries
{
    private const int MinimumRecordLength = 12;
    private const int TailSize = 12;
    private const byte TailFileType = 0xDE;

    /// <summary>True when a directory block ends with a checksum tail (<c>struct ext4_dir_entry_tail</c>).</summary>
    public static bool HasTail(ReadOnlySpan<byte> block)
    {
        if (block.Length < TailSize)
        {
            return false;
        }
        ReadOnlySpan<byte> tail = block[^TailSize..];
        return BinaryPrimitives.ReadUInt32LittleEndian(tail) == 0 && BinaryPrimitives.ReadUInt16LittleEndian(tail[4..]) == TailSize
            && tail[6] == 0 && tail[7] == TailFileType;
    }

    /// <summary>Checks a leaf block's tail checksum (the CRC32C of the block before the tail, from the inode's seed).</summary>
    public static void VerifyTail(ReadOnlySpan<byte> block, uint inodeSeed, string where) =>
        Ext4Checksum.VerifyTail(block[..^TailSize], BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]), inodeSeed, where);

    /// <summary>
    /// Adds the names in <paramref name="area"/> to <paramref name="records"/>, leaving out <c>.</c>, <c>..</c>, unused
    /// entries and a checksum tail.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry's lengths are impossible or its inode is out of range; named by <paramref name="where"/>.</exception>
    public static void Parse(ReadOnlySpan<byte> area, int blockSize, bool hasFileTypes, uint inodesCount, string where, List<DirectoryRecord> records)
    {
        int offset = 0;
        while (offset + 8 <= area.Length)
        {
            ReadOnlySpan<byte> entry = area[offset..];
            uint inode = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            int recordLength = RecordLength(BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]), blockSize);
            int nameLength = hasFileTypes ? entry[6] : BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            if (recordLength < MinimumRecordLength || recordLength % 4 != 0 || recordLength > entry.Length || nameLength + 8 > recordLength)
            {
                throw new InvalidDataException(
                    $"{where}: directory entry at byte {offset} has record length {recordLength} and name length {nameLength} in {area.Length} bytes.");
            }
            if (inode != 0)
            {
                if (inode > inodesCount)
                {
                    throw new InvalidDataException($"{where}: directory entry at byte {offset} names inode {inode}, beyond the {inodesCount} inodes.");
                }
                ReadOnlySpan<byte> name = entry.Slice(8, nameLength);
                if (nameLength == 0 || name.IndexOf((byte)'/') >= 0 || name.IndexOf((byte)0) >= 0)
                {
                    throw new InvalidDataException($"{where}: directory entry at byte {offset} has an invalid name.");
                }
                if (!IsDot(name))
                {
                    records.Add(new DirectoryRecord(Ext4Text.Name(name), inode));
                }
            }
            offset += recordLength;
        }
    }

    private static bool IsDot(ReadOnlySpan<byte> name) =>
        (name.Length == 1 && name[0] == '.') || (name.Length == 2 && name[0] == '.' && name[1] == '.');

    // ext4_rec_len_from_disk: a 64 KiB block's full length does not fit 16 bits, so it is stored as 0 or 65535 and
    // the two low bits carry bits 16-17.
    private static int RecordLength(ushort stored, int blockSize)
    {
        if (blockSize < 65536)
        {
            return stored;
        }
        return stored is 65535 or 0 ? blockSize : (stored & 65532) | ((stored & 3) << 16);
    }
}
