using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// Reads an EROFS image as erofs-utils 1.5 makes it: compact and extended inodes, flat (plain and tail-inline),
/// chunk-based and LZ4/LZ4HC-compressed data (full and compact indexes, big and tail-packed pclusters),
/// directories, symbolic links, device nodes and extended attributes. Later on-disk features are refused with a
/// <see cref="NotSupportedException"/> naming them (docs/filesystems-erofs.md).
/// </summary>
/// <remarks>
/// The driver keeps no per-call state in fields: metadata blocks are cached per call (<see cref="MetadataCursor"/>),
/// and the one shared field, the last decoded extent, is an immutable object swapped whole.
/// </remarks>
internal sealed partial class ErofsDriver : FileSystemDriver
{
    private readonly IBlockSource source;
    private readonly ErofsSuperblock superblock;

    private ErofsDriver(IBlockSource source, ErofsSuperblock superblock)
    {
        this.source = source;
        this.superblock = superblock;
    }

    public override FileSystemKind Kind => FileSystemKind.Erofs;

    public override ulong RootInode => superblock.RootNid;

    public override int BlockSize => superblock.BlockSize;

    public override string Label => superblock.VolumeName;

    /// <summary>
    /// Opens the EROFS file system on <paramref name="source"/>, or returns null when its magic number (0xE0F5E1E2 at
    /// byte 1024) is absent. The superblock (and its CRC32C, when the image has one) and the root inode are checked.
    /// </summary>
    /// <exception cref="InvalidDataException">The superblock or the root inode is malformed.</exception>
    /// <exception cref="NotSupportedException">The image uses an on-disk feature from after erofs-utils 1.5.</exception>
    public static async ValueTask<ErofsDriver?> TryOpenAsync(IBlockSource source, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length < ErofsFormat.SuperblockOffset + ErofsFormat.SuperblockSize)
        {
            return null;
        }
        byte[] header = new byte[ErofsFormat.SuperblockSize];
        await ReadSourceAsync(source, ErofsFormat.SuperblockOffset, header, async, cancellationToken).ConfigureAwait(false);
        if (!ErofsSuperblock.HasMagic(header))
        {
            return null;
        }
        ErofsSuperblock superblock = ErofsSuperblock.Parse(header);
        if ((superblock.FeatureCompat & ErofsFormat.CompatSuperblockChecksum) != 0)
        {
            int length = ErofsSuperblock.ChecksumLength(superblock.BlockSize);
            if (source.Length < ErofsFormat.SuperblockOffset + length)
            {
                throw new InvalidDataException($"EROFS superblock at byte {ErofsFormat.SuperblockOffset}: the image ({source.Length} bytes) ends before the {length} bytes its checksum covers.");
            }
            byte[] region = new byte[length];
            await ReadSourceAsync(source, ErofsFormat.SuperblockOffset, region, async, cancellationToken).ConfigureAwait(false);
            ErofsSuperblock.VerifyChecksum(region);
        }
        var driver = new ErofsDriver(source, superblock);
        FileSystemNode root = await driver.ReadNodeAsync(superblock.RootNid, async, cancellationToken).ConfigureAwait(false);
        if (root.Kind != FileSystemEntryKind.Directory)
        {
            throw new InvalidDataException($"EROFS superblock at byte {ErofsFormat.SuperblockOffset}: the root nid {superblock.RootNid} is a {root.Kind}, not a directory.");
        }
        return driver;
    }

    public override async ValueTask<FileSystemNode> ReadNodeAsync(ulong inode, bool async, CancellationToken cancellationToken)
    {
        long slots = (source.Length - superblock.MetaStart) >> ErofsFormat.InodeSlotShift;
        if (superblock.MetaStart >= source.Length || inode >= (ulong)slots)
        {
            throw new InvalidDataException($"EROFS inode nid {inode} lies outside the image (meta area from byte {superblock.MetaStart}, image {source.Length} bytes).");
        }
        long position = superblock.MetaStart + ((long)inode << ErofsFormat.InodeSlotShift);
        byte[] bytes = new byte[(int)Math.Min(ErofsFormat.ExtendedInodeSize, source.Length - position)];
        await ReadSourceAsync(source, position, bytes, async, cancellationToken).ConfigureAwait(false);
        return ErofsInode.Parse(inode, position, bytes, superblock);
    }

    public override async ValueTask<string> ReadLinkAsync(FileSystemNode link, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        ErofsInode inode = ErofsInode.Of(link);
        if (link.Kind != FileSystemEntryKind.SymbolicLink)
        {
            throw new ArgumentException($"EROFS inode nid {inode.Nid} is a {link.Kind}, not a symbolic link.", nameof(link));
        }
        if (inode.Size > ErofsFormat.MaxLinkTarget)
        {
            throw ErofsInode.Invalid(inode.Nid, inode.Position, $"is a symbolic link of {inode.Size} bytes, longer than {ErofsFormat.MaxLinkTarget}");
        }
        byte[] target = new byte[inode.Size];
        int read = await ReadFileAsync(link, 0, target, async, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(target, 0, read);
    }

    public override async ValueTask<int> ReadFileAsync(
        FileSystemNode file, long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ErofsInode inode = ErofsInode.Of(file);
        if (offset >= inode.Size || destination.IsEmpty)
        {
            return 0;
        }
        int count = (int)Math.Min(destination.Length, inode.Size - offset);
        Memory<byte> target = destination[..count];
        switch (inode.Layout)
        {
            case ErofsDataLayout.FlatPlain:
            case ErofsDataLayout.FlatInline:
                await ReadFlatAsync(inode, offset, target, async, cancellationToken).ConfigureAwait(false);
                break;
            case ErofsDataLayout.ChunkBased:
                await ReadChunkedAsync(inode, offset, target, async, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await ReadCompressedAsync(inode, offset, target, async, cancellationToken).ConfigureAwait(false);
                break;
        }
        return count;
    }

    public override async ValueTask<IReadOnlyList<FileDataRange>> GetDataRangesAsync(
        FileSystemNode file, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ErofsInode inode = ErofsInode.Of(file);
        if (inode.Layout == ErofsDataLayout.ChunkBased)
        {
            return await GetChunkRangesAsync(inode, async, cancellationToken).ConfigureAwait(false);
        }
        // Only chunk-based files have holes: flat and compressed files store (or encode) every byte.
        return inode.Size == 0 ? [] : [new FileDataRange(0, inode.Size)];
    }

    /// <summary>Reads <paramref name="destination"/> at <paramref name="position"/>, naming <paramref name="what"/> when it lies beyond the image.</summary>
    private ValueTask ReadAsync(long position, Memory<byte> destination, string what, bool async, CancellationToken cancellationToken)
    {
        if (position < 0 || position > source.Length - destination.Length)
        {
            throw new InvalidDataException($"EROFS {what}: bytes {position}..{position + destination.Length} lie beyond the end of the image ({source.Length} bytes).");
        }
        return ReadSourceAsync(source, position, destination, async, cancellationToken);
    }

    private static async ValueTask ReadSourceAsync(IBlockSource source, long position, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await source.ReadAsync(position, destination, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            source.Read(position, destination.Span);
        }
    }
}
