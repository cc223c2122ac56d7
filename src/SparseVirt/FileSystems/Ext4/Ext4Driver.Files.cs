using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>File bytes (through the block map, or inline data), their data ranges, and symbolic link targets.</summary>
internal sealed partial class Ext4Driver
{
    private const int MaxLinkLength = 4096;

    public override async ValueTask<int> ReadFileAsync(
        FileSystemNode file, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        Ext4NodeState state = StateOf(file);
        Ext4Inode inode = state.Inode;
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        RefuseEncrypted(inode);
        if (offset >= inode.Size)
        {
            return 0;
        }
        int count = (int)Math.Min(destination.Length, inode.Size - offset);
        Memory<byte> target = destination[..count];
        if (inode.HasInlineData)
        {
            byte[] inline = await GetInlineDataAsync(state, async, cancellationToken).ConfigureAwait(false);
            CopyInline(inline, offset, target.Span);
            return count;
        }
        Ext4BlockRun[] map = await GetMapAsync(state, async, cancellationToken).ConfigureAwait(false);
        long position = offset;
        while (!target.IsEmpty)
        {
            int done = await ReadMappedAsync(inode, map, position, target, async, cancellationToken).ConfigureAwait(false);
            target = target[done..];
            position += done;
        }
        return count;
    }

    public override async ValueTask<IReadOnlyList<FileDataRange>> GetDataRangesAsync(FileSystemNode file, bool async, CancellationToken cancellationToken)
    {
        Ext4NodeState state = StateOf(file);
        Ext4Inode inode = state.Inode;
        if (inode.HasInlineData || inode.Size == 0)
        {
            return inode.Size == 0 ? [] : [new FileDataRange(0, inode.Size)];
        }
        Ext4BlockRun[] map = await GetMapAsync(state, async, cancellationToken).ConfigureAwait(false);
        var ranges = new List<FileDataRange>();
        foreach (Ext4BlockRun run in map)
        {
            long start = run.Logical * BlockSize;
            long end = Math.Min(run.End * BlockSize, inode.Size);
            if (run.Unwritten || start >= end)
            {
                continue;
            }
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == start)
            {
                ranges[^1] = new FileDataRange(ranges[^1].Offset, end - ranges[^1].Offset);
            }
            else
            {
                ranges.Add(new FileDataRange(start, end - start));
            }
        }
        return ranges;
    }

    public override async ValueTask<string> ReadLinkAsync(FileSystemNode link, bool async, CancellationToken cancellationToken)
    {
        Ext4NodeState state = StateOf(link);
        Ext4Inode inode = state.Inode;
        if (inode.Size > MaxLinkLength || inode.Size == 0)
        {
            throw new InvalidDataException($"ext4 inode {inode.Number}: symbolic link of {inode.Size} bytes (expected 1 to {MaxLinkLength}).");
        }
        RefuseEncrypted(inode);
        ulong attributeBlocks = inode.AttributeBlock != 0 ? (ulong)(BlockSize / 512) : 0;
        bool fast = !inode.HasInlineData && !inode.HasExtents && inode.Size < Ext4Inode.BlockAreaSize && inode.BlockCount512 == attributeBlocks;
        byte[] target = new byte[inode.Size];
        if (fast)
        {
            inode.BlockArea.AsSpan(0, target.Length).CopyTo(target);
        }
        else
        {
            await ReadFileAsync(link, 0, target, async, cancellationToken).ConfigureAwait(false);
        }
        return Ext4Text.Name(target);
    }

    // One step: the bytes at position up to the end of the run (or hole) holding it.
    private async ValueTask<int> ReadMappedAsync(Ext4Inode inode, Ext4BlockRun[] map, long position, Memory<byte> target, bool async, CancellationToken cancellationToken)
    {
        long block = position / BlockSize;
        int index = FindRun(map, block);
        if (index < 0 || map[index].Unwritten)
        {
            long holeEnd = index >= 0 ? map[index].End * BlockSize : ~index < map.Length ? map[~index].Logical * BlockSize : long.MaxValue;
            int zeros = (int)Math.Min(target.Length, holeEnd - position);
            target.Span[..zeros].Clear();
            return zeros;
        }
        Ext4BlockRun run = map[index];
        int length = (int)Math.Min(target.Length, (run.End * BlockSize) - position);
        long physical = ((long)run.Physical * BlockSize) + (position - (run.Logical * BlockSize));
        await SourceReads.ReadAsync(_source, physical, target[..length], $"ext4 inode {inode.Number} data at byte {position}", async, cancellationToken).ConfigureAwait(false);
        return length;
    }

    // The run holding block, or the complement of the next run's index when block lies in a hole.
    private static int FindRun(Ext4BlockRun[] map, long block)
    {
        int low = 0;
        int high = map.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (map[middle].End <= block)
            {
                low = middle + 1;
            }
            else if (map[middle].Logical > block)
            {
                high = middle - 1;
            }
            else
            {
                return middle;
            }
        }
        return ~low;
    }

    private static void CopyInline(byte[] inline, long offset, Span<byte> target)
    {
        target.Clear();
        if (offset < inline.Length)
        {
            ReadOnlySpan<byte> available = inline.AsSpan((int)offset);
            available[..Math.Min(available.Length, target.Length)].CopyTo(target);
        }
    }

    private static void RefuseEncrypted(Ext4Inode inode)
    {
        if ((inode.Flags & Ext4Inode.EncryptFlag) != 0)
        {
            throw new NotSupportedException($"ext4 inode {inode.Number}: the file is encrypted (fscrypt); this reader does not decrypt.");
        }
    }
}
