namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>The last extent decoded (any inode): sequential reads of a file decode each pcluster once.</summary>
    private DecodedExtent? lastExtent;

    /// <summary>
    /// COMPRESSED_FULL and COMPRESSED_COMPACT: each read maps its offset to the extent holding it through the
    /// lcluster index, then reads and decodes that extent's one pcluster, and no other.
    /// </summary>
    private async ValueTask ReadCompressedAsync(ErofsInode inode, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        var cursor = new MetadataCursor(this);
        ErofsCompressionIndex? index = null;
        TailPcluster? tail = null;
        while (!destination.IsEmpty)
        {
            DecodedExtent? extent = Volatile.Read(ref lastExtent);
            if (extent is null || extent.Nid != inode.Nid || offset < extent.Start || offset >= extent.Start + extent.Data.Length)
            {
                if (index is null)
                {
                    index = await ReadCompressionIndexAsync(inode, cursor, async, cancellationToken).ConfigureAwait(false);
                    tail = index.TailPacked ? await FindTailAsync(index, cursor, async, cancellationToken).ConfigureAwait(false) : null;
                }
                extent = await DecodeExtentAsync(index, cursor, tail, offset, async, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref lastExtent, extent);
            }
            int count = (int)Math.Min(destination.Length, extent.Start + extent.Data.Length - offset);
            extent.Data.AsMemory((int)(offset - extent.Start), count).CopyTo(destination);
            destination = destination[count..];
            offset += count;
        }
    }

    private async ValueTask<ErofsCompressionIndex> ReadCompressionIndexAsync(ErofsInode inode, MetadataCursor cursor, bool async, CancellationToken cancellationToken)
    {
        long position = (inode.TrailerPosition + 7) & ~7L;
        ReadOnlyMemory<byte> header = await cursor.ReadAsync(position, ErofsFormat.MapHeaderSize, $"map header of inode nid {inode.Nid}", async, cancellationToken).ConfigureAwait(false);
        return ErofsCompressionIndex.Create(inode, header.Span, superblock);
    }

    private async ValueTask<DecodedExtent> DecodeExtentAsync(
        ErofsCompressionIndex index, MetadataCursor cursor, TailPcluster? tail, long offset, bool async, CancellationToken cancellationToken)
    {
        ErofsInode inode = index.Inode;
        (long headLcn, ErofsLcluster head) = await FindHeadAsync(index, cursor, offset, async, cancellationToken).ConfigureAwait(false);
        long start = (headLcn << index.LclusterBits) | (long)head.ClusterOffset;
        long length = await DecodedLengthAsync(index, cursor, headLcn, start, async, cancellationToken).ConfigureAwait(false);
        if (length <= 0 || length > ErofsFormat.MaxDecodedExtent || offset < start || offset >= start + length)
        {
            throw ErofsCompressionIndex.Invalid(inode, $"maps file offset {offset} to the extent at {start} of {length} bytes, which is empty, over 12 MiB or does not hold it");
        }
        long position;
        int physicalLength;
        if (tail is { } packed && headLcn == packed.HeadLcn)
        {
            (position, physicalLength) = (packed.Position, index.InlineSize);
        }
        else
        {
            position = (long)head.BlockAddress << superblock.BlockSizeBits;
            physicalLength = await CompressedLengthAsync(index, cursor, head, headLcn, async, cancellationToken).ConfigureAwait(false);
        }
        byte[] pcluster = new byte[physicalLength];
        await ReadAsync(position, pcluster, $"pcluster of inode nid {inode.Nid} for file offset {start}", async, cancellationToken).ConfigureAwait(false);
        int algorithm = head.Type == ErofsLclusterType.Head2 ? index.Algorithm2 : index.Algorithm1;
        byte[] data = ErofsPclusterDecoder.Decode(
            pcluster, (int)length, head.Type == ErofsLclusterType.Plain, algorithm, superblock.HasZeroPadding, inode, start);
        return new DecodedExtent(inode.Nid, start, data);
    }

    /// <summary>
    /// Where a tail-packed file's last pcluster lies: right after the index pack of its last lcluster, inside that
    /// block (<c>h_idata_size</c> bytes), and which head lcluster starts its extent.
    /// </summary>
    private async ValueTask<TailPcluster> FindTailAsync(ErofsCompressionIndex index, MetadataCursor cursor, bool async, CancellationToken cancellationToken)
    {
        long last = (index.Inode.Size - 1) >> index.LclusterBits;
        ErofsLcluster entry = await LoadLclusterAsync(index, cursor, last, lookahead: false, async, cancellationToken).ConfigureAwait(false);
        long position = entry.NextPackPosition;
        (long headLcn, _) = await FindHeadAsync(index, cursor, index.Inode.Size - 1, async, cancellationToken).ConfigureAwait(false);
        if (index.InlineSize == 0 || (position & (superblock.BlockSize - 1)) + index.InlineSize > superblock.BlockSize)
        {
            throw ErofsCompressionIndex.Invalid(index.Inode, $"has a tail-packed pcluster of {index.InlineSize} bytes at byte {position}, empty or crossing its block's end");
        }
        return new TailPcluster(position, headLcn);
    }

    private sealed record DecodedExtent(ulong Nid, long Start, byte[] Data);

    private readonly record struct TailPcluster(long Position, long HeadLcn);
}
