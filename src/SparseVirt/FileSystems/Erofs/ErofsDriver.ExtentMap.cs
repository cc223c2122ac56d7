namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>The head lcluster of the extent holding <paramref name="offset"/> (the kernel's lookback).</summary>
    private async ValueTask<(long Lcn, ErofsLcluster Head)> FindHeadAsync(
        ErofsCompressionIndex index, MetadataCursor cursor, long offset, bool async, CancellationToken cancellationToken)
    {
        long lcn = offset >> index.LclusterBits;
        int within = (int)(offset & ((1L << index.LclusterBits) - 1));
        ErofsLcluster entry = await LoadLclusterAsync(index, cursor, lcn, lookahead: false, async, cancellationToken).ConfigureAwait(false);
        if (entry.IsHead && within >= entry.ClusterOffset)
        {
            return (lcn, entry);
        }
        // Before a head's cluster offset, the bytes belong to the extent that ends there.
        long distance = entry.IsHead ? 1 : entry.Delta0;
        long current = lcn;
        while (true)
        {
            if (distance <= 0 || distance > current)
            {
                throw ErofsCompressionIndex.Invalid(index.Inode, $"has the lookback distance {distance} at lcluster {current}, leading nowhere");
            }
            current -= distance;
            if ((lcn - current - 1) << index.LclusterBits > ErofsFormat.MaxDecodedExtent)
            {
                throw ErofsCompressionIndex.Invalid(index.Inode, $"has an extent reaching back from lcluster {lcn} past lcluster {current}, over 12 MiB");
            }
            entry = await LoadLclusterAsync(index, cursor, current, lookahead: false, async, cancellationToken).ConfigureAwait(false);
            if (entry.IsHead)
            {
                return (current, entry);
            }
            distance = entry.Delta0;
        }
    }

    /// <summary>The whole decoded length of the extent that starts at <paramref name="start"/>: up to the next head or the end of the file.</summary>
    private async ValueTask<long> DecodedLengthAsync(
        ErofsCompressionIndex index, MetadataCursor cursor, long headLcn, long start, bool async, CancellationToken cancellationToken)
    {
        int bits = index.LclusterBits;
        long lcn = headLcn + 1;
        while (true)
        {
            if (lcn >= index.LclusterCount)
            {
                return index.Inode.Size - start;
            }
            if ((lcn - headLcn - 1) << bits > ErofsFormat.MaxDecodedExtent)
            {
                return long.MaxValue; // the caller names the oversized extent
            }
            ErofsLcluster entry = await LoadLclusterAsync(index, cursor, lcn, lookahead: true, async, cancellationToken).ConfigureAwait(false);
            if (entry.IsHead || entry.Delta1 == 0)
            {
                return (lcn << bits) + entry.ClusterOffset - start;
            }
            lcn += entry.Delta1;
        }
    }

    /// <summary>A pcluster's stored size: one lcluster, or for a big pcluster the block count its first NONHEAD carries.</summary>
    private async ValueTask<int> CompressedLengthAsync(
        ErofsCompressionIndex index, MetadataCursor cursor, ErofsLcluster head, long headLcn, bool async, CancellationToken cancellationToken)
    {
        bool big = head.Type switch
        {
            ErofsLclusterType.Head1 => index.BigPcluster1,
            ErofsLclusterType.Head2 => index.BigPcluster2,
            _ => false,
        };
        if (!big)
        {
            return 1 << index.LclusterBits;
        }
        ErofsLcluster next = await LoadLclusterAsync(index, cursor, headLcn + 1, lookahead: false, async, cancellationToken).ConfigureAwait(false);
        long blocks = next.IsHead
            ? 1L << (index.LclusterBits - superblock.BlockSizeBits)
            : next.Delta0 == 1 && next.CompressedBlocks > 0 ? next.CompressedBlocks : -1;
        long length = blocks << superblock.BlockSizeBits;
        if (blocks <= 0 || length > ErofsFormat.MaxPcluster)
        {
            throw ErofsCompressionIndex.Invalid(index.Inode, $"has no valid compressed block count after head lcluster {headLcn} (found {blocks} blocks, at most 1 MiB read)");
        }
        return (int)length;
    }

    private async ValueTask<ErofsLcluster> LoadLclusterAsync(
        ErofsCompressionIndex index, MetadataCursor cursor, long lcn, bool lookahead, bool async, CancellationToken cancellationToken)
    {
        (long position, int packSize, int entryShift) = index.Locate(lcn);
        string what = $"lcluster index entry {lcn} of inode nid {index.Inode.Nid}";
        if (index.Full)
        {
            ReadOnlyMemory<byte> entry = await cursor.ReadAsync(position, ErofsFormat.LclusterIndexSize, what, async, cancellationToken).ConfigureAwait(false);
            return ErofsLclusterDecoder.DecodeFull(index, entry.Span, position);
        }
        long packStart = position & ~(long)(packSize - 1);
        ReadOnlyMemory<byte> pack = await cursor.ReadAsync(packStart, packSize, what, async, cancellationToken).ConfigureAwait(false);
        int slot = (int)((position - packStart) >> entryShift);
        return ErofsLclusterDecoder.DecodeCompact(index, pack.Span, slot, entryShift, packStart, lookahead);
    }
}
