using System.Buffers.Binary;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>Extended attributes (in the inode, in an attribute block, in attribute inodes) and inline data.</summary>
internal sealed partial class Ext4Driver
{
    private const string InlineDataAttribute = "system.data";

    // XATTR_SIZE_MAX: the largest value the kernel accepts, so the bound for a value kept in an inode of its own.
    private const uint MaxAttributeValue = 65536;

    public override async ValueTask<IReadOnlyList<ExtendedAttribute>> ReadExtendedAttributesAsync(FileSystemNode node, bool async, CancellationToken cancellationToken)
    {
        Ext4Inode inode = StateOf(node).Inode;
        var attributes = new List<ExtendedAttribute>();
        foreach (Ext4AttributeEntry entry in await ReadAttributeEntriesAsync(inode, async, cancellationToken).ConfigureAwait(false))
        {
            // system.data is how inline data is stored, not an attribute; the kernel does not list it either.
            if (entry.Name == InlineDataAttribute)
            {
                continue;
            }
            byte[] value = entry.Value ?? await ReadAttributeInodeAsync(inode, entry, async, cancellationToken).ConfigureAwait(false);
            attributes.Add(new ExtendedAttribute(entry.Name, value));
        }
        return attributes;
    }

    private async ValueTask<List<Ext4AttributeEntry>> ReadAttributeEntriesAsync(Ext4Inode inode, bool async, CancellationToken cancellationToken)
    {
        List<Ext4AttributeEntry> entries = Ext4AttributeEntries.ParseInode(inode.InlineAttributes, inode.Number);
        if (inode.AttributeBlock == 0)
        {
            return entries;
        }
        CheckBlock(inode, inode.AttributeBlock, 1, "extended attribute block");
        byte[] block = new byte[BlockSize];
        await SourceReads.ReadAsync(_source, (long)inode.AttributeBlock * BlockSize, block, $"ext4 inode {inode.Number} extended attribute block {inode.AttributeBlock}", async, cancellationToken).ConfigureAwait(false);
        if (_superblock.HasMetadataChecksums)
        {
            VerifyAttributeBlock(inode, block);
        }
        entries.AddRange(Ext4AttributeEntries.ParseBlock(block, inode.AttributeBlock, inode.Number));
        return entries;
    }

    // ext4_xattr_block_csum: the file system's seed over the block number (64 bits), then the block with h_checksum as zero.
    private void VerifyAttributeBlock(Ext4Inode inode, byte[] block)
    {
        const int checksumOffset = 0x10;
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(number, inode.AttributeBlock);
        uint crc = Ext4Checksum.Update(_checksumSeed, number);
        crc = Ext4Checksum.Update(crc, block.AsSpan(0, checksumOffset));
        crc = Ext4Checksum.UpdateZeros(crc, 4);
        crc = Ext4Checksum.Update(crc, block.AsSpan(checksumOffset + 4));
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(checksumOffset));
        if (crc != stored)
        {
            throw new InvalidDataException(
                $"ext4 inode {inode.Number} extended attribute block {inode.AttributeBlock}: checksum mismatch (stored 0x{stored:X8}, computed 0x{crc:X8}).");
        }
    }

    private async ValueTask<byte[]> ReadAttributeInodeAsync(Ext4Inode owner, Ext4AttributeEntry entry, bool async, CancellationToken cancellationToken)
    {
        if (entry.ValueSize > MaxAttributeValue)
        {
            throw new InvalidDataException($"ext4 inode {owner.Number}: attribute '{entry.Name}' claims {entry.ValueSize} bytes, over the {MaxAttributeValue}-byte limit.");
        }
        FileSystemNode valueNode = await ReadNodeAsync(entry.ValueInode, async, cancellationToken).ConfigureAwait(false);
        if ((StateOf(valueNode).Inode.Flags & Ext4Inode.XattrInodeFlag) == 0 || valueNode.Length != entry.ValueSize)
        {
            throw new InvalidDataException($"ext4 inode {owner.Number}: attribute '{entry.Name}' names inode {entry.ValueInode}, which is not its {entry.ValueSize}-byte value inode.");
        }
        byte[] value = new byte[entry.ValueSize];
        await ReadFileAsync(valueNode, 0, value, async, cancellationToken).ConfigureAwait(false);
        return value;
    }

    // Inline data: the 60 bytes of i_block, then the value of the in-inode system.data attribute.
    private async ValueTask<byte[]> GetInlineDataAsync(Ext4NodeState state, bool async, CancellationToken cancellationToken)
    {
        if (state.InlineData is { } known)
        {
            return known;
        }
        Ext4Inode inode = state.Inode;
        Ext4AttributeEntry? data = Ext4AttributeEntries.ParseInode(inode.InlineAttributes, inode.Number).Find(e => e.Name == InlineDataAttribute);
        byte[] rest = data?.Value ?? [];
        if (data is { Value: null })
        {
            rest = await ReadAttributeInodeAsync(inode, data, async, cancellationToken).ConfigureAwait(false);
        }
        byte[] inline = [.. inode.BlockArea, .. rest];
        state.InlineData = inline;
        return inline;
    }
}
