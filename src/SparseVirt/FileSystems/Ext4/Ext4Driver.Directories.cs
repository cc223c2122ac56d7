using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>Directories: their blocks read linearly (htree ones too), or inline in the inode and <c>system.data</c>.</summary>
internal sealed partial class Ext4Driver
{
    // Directory blocks are read this many at a time: few reads for a large directory, a bounded buffer for any.
    private const int DirectoryBlocksPerRead = 16;

    public override async ValueTask<IReadOnlyList<DirectoryRecord>> ReadDirectoryAsync(FileSystemNode directory, bool async, CancellationToken cancellationToken)
    {
        Ext4NodeState state = StateOf(directory);
        Ext4Inode inode = state.Inode;
        if (directory.Kind != FileSystemEntryKind.Directory)
        {
            throw new ArgumentException($"ext4 inode {inode.Number} is not a directory.", nameof(directory));
        }
        RefuseEncrypted(inode);
        var records = new List<DirectoryRecord>();
        string where = $"ext4 directory inode {inode.Number}";
        if (inode.HasInlineData)
        {
            byte[] inline = await GetInlineDataAsync(state, async, cancellationToken).ConfigureAwait(false);
            // The first 4 bytes of i_block are the parent's inode number (the inline form of '..').
            ParseEntries(inline.AsSpan(4, Ext4Inode.BlockAreaSize - 4), where + " inline area", records);
            ParseEntries(inline.AsSpan(Ext4Inode.BlockAreaSize), where + " system.data", records);
            return records;
        }
        Ext4BlockRun[] map = await GetMapAsync(state, async, cancellationToken).ConfigureAwait(false);
        long blocks = (inode.Size + BlockSize - 1) / BlockSize;
        byte[] buffer = new byte[BlockSize * DirectoryBlocksPerRead];
        foreach (Ext4BlockRun run in map)
        {
            if (run.Unwritten)
            {
                continue;
            }
            for (long block = run.Logical; block < Math.Min(run.End, blocks); block += DirectoryBlocksPerRead)
            {
                int count = (int)Math.Min(DirectoryBlocksPerRead, Math.Min(run.End, blocks) - block);
                Memory<byte> chunk = buffer.AsMemory(0, count * BlockSize);
                long physical = (long)(run.Physical + (ulong)(block - run.Logical)) * BlockSize;
                await SourceReads.ReadAsync(_source, physical, chunk, $"{where} block {block}", async, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    ParseBlock(inode, chunk.Span.Slice(i * BlockSize, BlockSize), $"{where} block {block + i}", records);
                }
            }
        }
        return records;
    }

    private void ParseBlock(Ext4Inode inode, ReadOnlySpan<byte> block, string where, List<DirectoryRecord> records)
    {
        if (_superblock.HasMetadataChecksums && Ext4DirectoryEntries.HasTail(block))
        {
            Ext4DirectoryEntries.VerifyTail(block, inode.ChecksumSeed, where);
        }
        ParseEntries(block, where, records);
    }

    private void ParseEntries(ReadOnlySpan<byte> area, string where, List<DirectoryRecord> records) =>
        Ext4DirectoryEntries.Parse(area, BlockSize, _superblock.HasFileTypes, _superblock.InodesCount, where, records);
}
