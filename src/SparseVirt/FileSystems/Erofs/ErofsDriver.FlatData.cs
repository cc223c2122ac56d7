using System.Buffers.Binary;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>
    /// FLAT_PLAIN: the data is contiguous from block <c>raw_blkaddr</c>. FLAT_INLINE: the same for the whole blocks,
    /// and the last partial block's bytes follow the inode and its xattrs, inside the inode's block.
    /// </summary>
    private async ValueTask ReadFlatAsync(ErofsInode inode, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        int blockBits = superblock.BlockSizeBits;
        long blocks = (inode.Size + superblock.BlockSize - 1) >> blockBits;
        long tailStart = inode.Layout == ErofsDataLayout.FlatInline ? (blocks - 1) << blockBits : inode.Size;
        long dataStart = (long)inode.RawUnion << blockBits;
        if (offset < tailStart)
        {
            int count = (int)Math.Min(destination.Length, tailStart - offset);
            await ReadAsync(dataStart + offset, destination[..count], $"data of inode nid {inode.Nid} (blocks from {inode.RawUnion})", async, cancellationToken).ConfigureAwait(false);
            destination = destination[count..];
            offset += count;
        }
        if (destination.IsEmpty)
        {
            return;
        }
        long tailLength = inode.Size - tailStart;
        long tailPosition = inode.TrailerPosition;
        if ((tailPosition & (superblock.BlockSize - 1)) + tailLength > superblock.BlockSize)
        {
            throw ErofsInode.Invalid(inode.Nid, inode.Position, $"has {tailLength} bytes of inline data at byte {tailPosition}, crossing its block's end");
        }
        await ReadAsync(tailPosition + (offset - tailStart), destination, $"inline data of inode nid {inode.Nid}", async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// CHUNK_BASED: the file is cut into chunks of <c>block size &lt;&lt; (format &amp; 0x1F)</c>; after the inode, a
    /// table gives each chunk's block address (4 bytes each, or 8-byte indexes with a device id), all ones for a hole.
    /// </summary>
    private async ValueTask ReadChunkedAsync(ErofsInode inode, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        ChunkTable table = ChunkTableOf(inode);
        var cursor = new MetadataCursor(this);
        while (!destination.IsEmpty)
        {
            long chunk = offset >> table.ChunkBits;
            long within = offset - (chunk << table.ChunkBits);
            int count = (int)Math.Min(destination.Length, (1L << table.ChunkBits) - within);
            uint address = await ReadChunkAddressAsync(inode, table, cursor, chunk, async, cancellationToken).ConfigureAwait(false);
            if (address == ErofsFormat.NullBlockAddress)
            {
                destination.Span[..count].Clear();
            }
            else
            {
                long position = ((long)address << superblock.BlockSizeBits) + within;
                await ReadAsync(position, destination[..count], $"chunk {chunk} of inode nid {inode.Nid}", async, cancellationToken).ConfigureAwait(false);
            }
            destination = destination[count..];
            offset += count;
        }
    }

    private async ValueTask<IReadOnlyList<FileDataRange>> GetChunkRangesAsync(ErofsInode inode, bool async, CancellationToken cancellationToken)
    {
        ChunkTable table = ChunkTableOf(inode);
        var cursor = new MetadataCursor(this);
        var ranges = new List<FileDataRange>();
        for (long chunk = 0; chunk < table.Count; chunk++)
        {
            uint address = await ReadChunkAddressAsync(inode, table, cursor, chunk, async, cancellationToken).ConfigureAwait(false);
            if (address == ErofsFormat.NullBlockAddress)
            {
                continue;
            }
            long start = chunk << table.ChunkBits;
            long end = Math.Min(inode.Size, start + (1L << table.ChunkBits));
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == start)
            {
                ranges[^1] = ranges[^1] with { Length = end - ranges[^1].Offset };
            }
            else
            {
                ranges.Add(new FileDataRange(start, end - start));
            }
        }
        return ranges;
    }

    private async ValueTask<uint> ReadChunkAddressAsync(
        ErofsInode inode, ChunkTable table, MetadataCursor cursor, long chunk, bool async, CancellationToken cancellationToken)
    {
        long position = table.Start + (chunk * table.EntrySize);
        ReadOnlyMemory<byte> entry = await cursor.ReadAsync(position, table.EntrySize, $"chunk table entry {chunk} of inode nid {inode.Nid}", async, cancellationToken).ConfigureAwait(false);
        if (table.EntrySize == 4)
        {
            return BinaryPrimitives.ReadUInt32LittleEndian(entry.Span);
        }
        uint address = BinaryPrimitives.ReadUInt32LittleEndian(entry.Span[4..]);
        int device = BinaryPrimitives.ReadUInt16LittleEndian(entry.Span[2..]) & DeviceIdMask;
        if (device != 0 && address != ErofsFormat.NullBlockAddress)
        {
            throw new NotSupportedException($"EROFS inode nid {inode.Nid}: chunk {chunk} lies on extra device {device} (mkfs.erofs --blobdev); this reader reads the primary device only.");
        }
        return address;
    }

    /// <summary>The kernel's <c>device_id_mask</c>: the device ids in use, rounded up to a power of two, less one.</summary>
    private int DeviceIdMask => (int)(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)superblock.ExtraDevices + 1) - 1);

    private ChunkTable ChunkTableOf(ErofsInode inode)
    {
        int format = (int)(inode.RawUnion & 0xFFFF);
        if ((format & ~(ErofsFormat.ChunkFormatBlockBitsMask | ErofsFormat.ChunkFormatIndexes)) != 0)
        {
            throw new NotSupportedException($"EROFS inode nid {inode.Nid} has the chunk format 0x{format:X4}, with bits this reader does not know.");
        }
        int chunkBits = superblock.BlockSizeBits + (format & ErofsFormat.ChunkFormatBlockBitsMask);
        if (chunkBits > 40)
        {
            throw ErofsInode.Invalid(inode.Nid, inode.Position, $"has chunks of 2^{chunkBits} bytes (at most 2^40 read)");
        }
        int entrySize = (format & ErofsFormat.ChunkFormatIndexes) != 0 ? 8 : 4;
        long start = (inode.TrailerPosition + entrySize - 1) & ~(long)(entrySize - 1);
        long count = (long)(((ulong)inode.Size + (1UL << chunkBits) - 1) >> chunkBits);
        if (count > (source.Length - start) / entrySize)
        {
            throw ErofsInode.Invalid(inode.Nid, inode.Position, $"needs a table of {count} chunk entries at byte {start}, beyond the end of the image");
        }
        return new ChunkTable(start, entrySize, chunkBits, count);
    }

    private readonly record struct ChunkTable(long Start, int EntrySize, int ChunkBits, long Count);
}
