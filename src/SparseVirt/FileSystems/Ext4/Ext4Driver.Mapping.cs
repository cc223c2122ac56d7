using System.Buffers.Binary;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>Block maps: an extent tree, or ext2/ext3's direct and indirect (single, double, triple) block pointers.</summary>
internal sealed partial class Ext4Driver
{
    private const int DirectPointers = 12;

    private async ValueTask<Ext4BlockRun[]> GetMapAsync(Ext4NodeState state, bool async, CancellationToken cancellationToken)
    {
        if (state.Map is { } known)
        {
            return known;
        }
        Ext4Inode inode = state.Inode;
        var runs = new List<Ext4BlockRun>();
        var visited = new HashSet<ulong>();
        if (inode.HasExtents)
        {
            await WalkExtentsAsync(inode, inode.BlockArea, -1, runs, visited, async, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await WalkIndirectAsync(inode, runs, visited, async, cancellationToken).ConfigureAwait(false);
        }
        Ext4BlockRun[] map = [.. runs];
        state.Map = map;
        return map;
    }

    // One extent tree node; expectedDepth is -1 at the root (which sets it). A block seen twice is a loop, and the
    // depth must fall by one per level, so a malformed tree ends after at most every block once.
    private async ValueTask WalkExtentsAsync(
        Ext4Inode inode, byte[] raw, int expectedDepth, List<Ext4BlockRun> runs, HashSet<ulong> visited, bool async, CancellationToken cancellationToken)
    {
        string where = expectedDepth < 0 ? $"ext4 inode {inode.Number} extent root" : $"ext4 inode {inode.Number} extent block";
        (int entries, int depth) = ReadExtentNode(inode, raw, expectedDepth, where);
        for (int i = 0; i < entries; i++)
        {
            if (depth == 0)
            {
                AddExtent(inode, raw, i, runs);
                continue;
            }
            ulong child = Ext4NodeChild(raw, i);
            CheckBlock(inode, child, 1, "extent index");
            if (!visited.Add(child))
            {
                throw new InvalidDataException($"ext4 inode {inode.Number}: extent block {child} is reached twice (a loop in the extent tree).");
            }
            byte[] block = new byte[_superblock.BlockSize];
            await SourceReads.ReadAsync(_source, (long)child * _superblock.BlockSize, block, $"ext4 inode {inode.Number} extent block {child}", async, cancellationToken).ConfigureAwait(false);
            await WalkExtentsAsync(inode, block, depth - 1, runs, visited, async, cancellationToken).ConfigureAwait(false);
        }
    }

    private (int Entries, int Depth) ReadExtentNode(Ext4Inode inode, byte[] raw, int expectedDepth, string where)
    {
        var node = Ext4ExtentNode.Parse(raw, where);
        if (expectedDepth >= 0 && node.Depth != expectedDepth)
        {
            throw new InvalidDataException($"{where}: depth {node.Depth} where {expectedDepth} was expected.");
        }
        if (expectedDepth >= 0 && _superblock.HasMetadataChecksums)
        {
            int tail = node.TailOffset;
            if (tail + 4 > raw.Length)
            {
                throw new InvalidDataException($"{where}: no room for the checksum tail.");
            }
            Ext4Checksum.VerifyTail(raw.AsSpan(0, tail), BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(tail)), inode.ChecksumSeed, where);
        }
        return (node.Entries, node.Depth);
    }

    private static ulong Ext4NodeChild(byte[] raw, int index) => Ext4ExtentNode.Parse(raw, string.Empty).Child(index);

    private void AddExtent(Ext4Inode inode, byte[] raw, int index, List<Ext4BlockRun> runs)
    {
        var node = Ext4ExtentNode.Parse(raw, string.Empty);
        (int length, bool unwritten, ulong physical) = node.Extent(index);
        long logical = node.LogicalBlock(index);
        if (length == 0)
        {
            return;
        }
        CheckBlock(inode, physical, (ulong)length, "extent");
        if (runs.Count > 0 && logical < runs[^1].End)
        {
            throw new InvalidDataException($"ext4 inode {inode.Number}: extent at logical block {logical} overlaps or precedes the one before it (ending at {runs[^1].End}).");
        }
        runs.Add(new Ext4BlockRun(logical, physical, length, unwritten));
    }

    private async ValueTask WalkIndirectAsync(Ext4Inode inode, List<Ext4BlockRun> runs, HashSet<ulong> visited, bool async, CancellationToken cancellationToken)
    {
        long needed = (inode.Size + _superblock.BlockSize - 1) / _superblock.BlockSize;
        long logical = 0;
        long perBlock = _superblock.BlockSize / 4;
        for (int slot = 0; slot < DirectPointers + 3 && logical < needed; slot++)
        {
            uint pointer = BinaryPrimitives.ReadUInt32LittleEndian(inode.BlockArea.AsSpan(slot * 4));
            int level = Math.Max(0, slot - DirectPointers + 1);
            long span = level switch { 0 => 1, 1 => perBlock, 2 => perBlock * perBlock, _ => perBlock * perBlock * perBlock };
            if (pointer != 0)
            {
                await MapIndirectAsync(inode, pointer, level, logical, needed, runs, visited, async, cancellationToken).ConfigureAwait(false);
            }
            logical += span;
        }
    }

    private async ValueTask MapIndirectAsync(
        Ext4Inode inode, ulong pointer, int level, long logical, long needed, List<Ext4BlockRun> runs, HashSet<ulong> visited, bool async, CancellationToken cancellationToken)
    {
        if (level == 0)
        {
            CheckBlock(inode, pointer, 1, "block pointer");
            if (runs.Count > 0 && runs[^1].End == logical && runs[^1].Physical + (ulong)runs[^1].Count == pointer)
            {
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            }
            else
            {
                runs.Add(new Ext4BlockRun(logical, pointer, 1, false));
            }
            return;
        }
        CheckBlock(inode, pointer, 1, "indirect block");
        if (!visited.Add(pointer))
        {
            throw new InvalidDataException($"ext4 inode {inode.Number}: indirect block {pointer} is reached twice (a loop in the block map).");
        }
        byte[] block = new byte[_superblock.BlockSize];
        await SourceReads.ReadAsync(_source, (long)pointer * _superblock.BlockSize, block, $"ext4 inode {inode.Number} indirect block {pointer}", async, cancellationToken).ConfigureAwait(false);
        long perBlock = _superblock.BlockSize / 4;
        long span = level == 1 ? 1 : level == 2 ? perBlock : perBlock * perBlock;
        for (int i = 0; i < perBlock && logical + (i * span) < needed; i++)
        {
            uint child = BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(i * 4));
            if (child != 0)
            {
                await MapIndirectAsync(inode, child, level - 1, logical + (i * span), needed, runs, visited, async, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void CheckBlock(Ext4Inode inode, ulong block, ulong count, string what)
    {
        if (block < _superblock.FirstDataBlock || block >= _superblock.BlocksCount || _superblock.BlocksCount - block < count)
        {
            throw new InvalidDataException(
                $"ext4 inode {inode.Number}: {what} at block {block} ({count} blocks) lies outside the file system ({_superblock.BlocksCount} blocks).");
        }
    }
}
