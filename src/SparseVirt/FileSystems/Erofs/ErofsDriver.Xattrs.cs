using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>
    /// Lists an inode's shared xattrs (entries in the shared area, at <c>xattr_blkaddr</c> plus 4 times each id), then
    /// its inline ones, in that order (the kernel's <c>listxattr</c> order).
    /// </summary>
    public override async ValueTask<IReadOnlyList<ExtendedAttribute>> ReadExtendedAttributesAsync(
        FileSystemNode node, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ErofsInode inode = ErofsInode.Of(node);
        var attributes = new List<ExtendedAttribute>();
        if (inode.XattrSize == 0)
        {
            return attributes;
        }
        long bodyPosition = inode.Position + inode.InodeSize;
        byte[] body = new byte[inode.XattrSize]; // at most 12 + 4 * 65534 bytes: i_xattr_icount is 16 bits
        await ReadAsync(bodyPosition, body, $"inline xattrs of inode nid {inode.Nid}", async, cancellationToken).ConfigureAwait(false);
        uint[] shared = ErofsXattrs.ParseIbodyHeader(body, inode.Nid, bodyPosition, out int entriesOffset);
        var cursor = new MetadataCursor(this);
        long sharedArea = (long)superblock.XattrBlockAddress << superblock.BlockSizeBits;
        foreach (uint id in shared)
        {
            long position = sharedArea + (id * 4L);
            string what = $"shared xattr {id} of inode nid {inode.Nid}";
            ReadOnlyMemory<byte> header = await cursor.ReadAsync(position, ErofsFormat.XattrEntryHeaderSize, what, async, cancellationToken).ConfigureAwait(false);
            int length = ErofsXattrs.EntryLength(header.Span); // at most 4 + 255 + 65535 bytes
            ReadOnlyMemory<byte> entry = await cursor.ReadAsync(position, length, what, async, cancellationToken).ConfigureAwait(false);
            ErofsXattrs.ParseEntry(entry.Span, inode.Nid, position, attributes);
        }
        ErofsXattrs.ParseEntries(body.AsSpan(entriesOffset), inode.Nid, bodyPosition + entriesOffset, attributes);
        return attributes;
    }
}
