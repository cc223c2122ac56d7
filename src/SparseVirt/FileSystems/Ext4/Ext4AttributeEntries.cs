using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>One extended attribute as stored: its value inline, or (<c>ea_inode</c>) in an inode of its own.</summary>
internal sealed record Ext4AttributeEntry(string Name, byte[]? Value, uint ValueInode, uint ValueSize);

/// <summary>
/// Extended attribute entries (<c>struct ext4_xattr_entry</c>), in the inode after <c>i_extra_isize</c> (the
/// <c>ibody</c> header) or in the block <c>i_file_acl</c> names (<c>struct ext4_xattr_header</c>).
/// </summary>
internal static class Ext4AttributeEntries
{
    public const uint Magic = 0xEA020000;
    public const int BlockHeaderSize = 32;
    private const int EntryHeaderSize = 16;

    /// <summary>The in-inode area: magic, then entries whose value offsets count from the first entry.</summary>
    public static List<Ext4AttributeEntry> ParseInode(ReadOnlySpan<byte> area, uint inode)
    {
        if (area.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(area) != Magic)
        {
            return [];
        }
        return ParseEntries(area[4..], 0, $"ext4 inode {inode} in-inode extended attributes");
    }

    /// <summary>An attribute block: a 32-byte header (magic, one block), then entries whose value offsets count from the block's start.</summary>
    public static List<Ext4AttributeEntry> ParseBlock(ReadOnlySpan<byte> block, ulong number, uint inode)
    {
        string where = $"ext4 inode {inode} extended attribute block {number}";
        if (block.Length < BlockHeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(block) != Magic)
        {
            throw new InvalidDataException($"{where}: no magic 0xEA020000.");
        }
        uint blocks = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
        if (blocks != 1)
        {
            throw new InvalidDataException($"{where}: h_blocks is {blocks}; expected 1.");
        }
        return ParseEntries(block, BlockHeaderSize, where);
    }

    /// <summary>The full name: the prefix <c>e_name_index</c> stands for, then the stored suffix.</summary>
    public static string FullName(byte index, string suffix) => index switch
    {
        1 => "user." + suffix,
        2 => "system.posix_acl_access" + suffix,
        3 => "system.posix_acl_default" + suffix,
        4 => "trusted." + suffix,
        6 => "security." + suffix,
        7 => "system." + suffix,
        8 => "system.richacl" + suffix,
        _ => throw new InvalidDataException($"extended attribute '{suffix}': unknown name index {index}."),
    };

    private static List<Ext4AttributeEntry> ParseEntries(ReadOnlySpan<byte> values, int first, string where)
    {
        var entries = new List<Ext4AttributeEntry>();
        int offset = first;
        while (offset + 4 <= values.Length && BinaryPrimitives.ReadUInt32LittleEndian(values[offset..]) != 0)
        {
            if (offset + EntryHeaderSize > values.Length)
            {
                throw new InvalidDataException($"{where}: entry at byte {offset} runs past the area's {values.Length} bytes.");
            }
            ReadOnlySpan<byte> entry = values[offset..];
            int nameLength = entry[0];
            int valueOffset = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            uint valueInode = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            uint valueSize = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            int entrySize = (EntryHeaderSize + nameLength + 3) & ~3;
            if (offset + entrySize > values.Length)
            {
                throw new InvalidDataException($"{where}: entry at byte {offset} with a {nameLength}-byte name runs past the area.");
            }
            string name = FullName(entry[1], Ext4Text.Name(entry.Slice(EntryHeaderSize, nameLength)));
            byte[]? value = null;
            if (valueInode == 0)
            {
                if (valueSize > (uint)values.Length || valueOffset > values.Length - (int)valueSize)
                {
                    throw new InvalidDataException($"{where}: value of '{name}' ({valueSize} bytes at {valueOffset}) lies outside the area.");
                }
                value = values.Slice(valueOffset, (int)valueSize).ToArray();
            }
            entries.Add(new Ext4AttributeEntry(name, value, valueInode, valueSize));
            offset += entrySize;
        }
        return entries;
    }
}
