using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using SparseVirt.BlockSources;
using SparseVirt.Layouts.Composition;

namespace SparseVirt.Layouts.Super;

/// <summary>
/// A super partition image (Android dynamic partitions, AOSP liblp) read from any block source (a raw file, the
/// expanded view of a sparse image or of split sparse pieces): its geometry and one slot's metadata, and each
/// logical partition as a block source of its own. Nothing is expanded or copied to read it: the geometry and
/// metadata are a few kilobytes read in place, and a partition's reads go straight to its extents.
/// </summary>
public sealed class SuperImage
{
    private SuperImage(IBlockSource source, LpMetadata metadata, uint slot, LpMetadataCopy copy, ILogger logger)
    {
        Logger = logger;
        Source = source;
        Metadata = metadata;
        Slot = slot;
        MetadataCopy = copy;
    }

    /// <summary>The image's bytes.</summary>
    public IBlockSource Source { get; }

    /// <summary>The metadata of <see cref="Slot"/>, with slot suffixes applied as AOSP's reader does.</summary>
    public LpMetadata Metadata { get; }

    /// <summary>The slot whose metadata was read.</summary>
    public uint Slot { get; }

    /// <summary>Which copy of the metadata was read.</summary>
    public LpMetadataCopy MetadataCopy { get; }

    /// <summary>True for a <c>super_empty.img</c>: metadata only, no partition contents.</summary>
    public bool IsEmptyImage => MetadataCopy == LpMetadataCopy.EmptyImage;

    /// <summary>
    /// Reads the geometry (at 4096, or the backup at 8192; at 0 for a <c>super_empty.img</c>) and the slot's
    /// metadata (the primary copy, or the backup when the primary fails a check), verifying every checksum.
    /// </summary>
    /// <exception cref="InvalidDataException">The image is not a super image, or its metadata is damaged: the message says what and where.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The requested slot does not exist.</exception>
    public static SuperImage Open(IBlockSource source, SuperImageOptions? options = null) =>
        SuperImageReader.OpenAsync(source, options ?? SuperImageOptions.Default, synchronous: true, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Open"/>
    public static async Task<SuperImage> OpenAsync(IBlockSource source, SuperImageOptions? options = null, CancellationToken cancellationToken = default) =>
        await SuperImageReader.OpenAsync(source, options ?? SuperImageOptions.Default, synchronous: false, cancellationToken).ConfigureAwait(false);

    internal static SuperImage Create(IBlockSource source, LpMetadata metadata, uint slot, LpMetadataCopy copy, ILogger logger) => new(source, metadata, slot, copy, logger);

    internal ILogger Logger { get; }

    /// <summary>The partition named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No partition has that name; the message lists those that exist.</exception>
    public LpPartition GetPartition(string name) =>
        Metadata.FindPartition(name) ?? throw new KeyNotFoundException(
            $"The super image has no partition '{name}' in slot {Slot} (it has: {string.Join(", ", Metadata.Partitions.Select(p => p.Name))}).");

    /// <summary>
    /// The contents of <paramref name="partition"/> as a block source: reads and extents map through its extents
    /// onto <see cref="Source"/> (ZERO extents read as holes), so it can be served, booted or extracted as it is.
    /// </summary>
    /// <exception cref="InvalidOperationException">The image is a <c>super_empty.img</c>, which holds no contents.</exception>
    /// <exception cref="NotSupportedException">An extent lies on another block device (a retrofit super split over several partitions).</exception>
    public IBlockSource OpenPartition(LpPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (IsEmptyImage)
        {
            throw new InvalidOperationException("This is a super_empty image: it holds metadata only, no partition contents.");
        }
        var segments = new List<BlockSegment>();
        long offset = 0;
        foreach (LpExtent extent in Metadata.ExtentsOf(partition))
        {
            long length = checked((long)extent.Length);
            if (extent.Type == LpExtentType.Zero)
            {
                segments.Add(BlockSegment.Hole(offset, length));
            }
            else if (extent.TargetSource != 0)
            {
                throw new NotSupportedException(
                    $"Partition '{partition.Name}' has an extent on block device '{Metadata.BlockDevices[(int)extent.TargetSource].PartitionName}', which is not this image.");
            }
            else
            {
                segments.Add(BlockSegment.FromSource(offset, length, Source, checked((long)extent.TargetData * LpFormat.SectorSize)));
            }
            offset += length;
        }
        return new SegmentedBlockSource(segments, checked((int)Metadata.Geometry.LogicalBlockSize));
    }

    /// <inheritdoc cref="OpenPartition(LpPartition)"/>
    public IBlockSource OpenPartition(string name) => OpenPartition(GetPartition(name));
}

/// <summary>Reads a super image's geometry and metadata; one core for the synchronous and asynchronous forms.</summary>
internal static class SuperImageReader
{
    public static async ValueTask<SuperImage> OpenAsync(IBlockSource source, SuperImageOptions options, bool synchronous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var reader = new Reader(source, synchronous, cancellationToken);
        byte[] block = new byte[LpFormat.GeometrySize];

        if (source.Length >= LpFormat.GeometrySize)
        {
            await reader.ReadAsync(0, block, "the geometry at offset 0").ConfigureAwait(false);
            if (BinaryPrimitives.ReadUInt32LittleEndian(block) == LpFormat.GeometryMagic)
            {
                // super_empty.img (lpmake without images): the geometry at 0 and one metadata copy right after it.
                LpGeometry emptyGeometry = LpMetadataParser.ParseGeometry(block, "geometry at offset 0");
                CheckSlot(emptyGeometry, options.Slot);
                LpMetadata only = await ReadMetadataAsync(reader, emptyGeometry, LpFormat.GeometrySize, "metadata at offset 4096").ConfigureAwait(false);
                return Finish(source, options, only, LpMetadataCopy.EmptyImage);
            }
        }
        if (source.Length < LpFormat.BackupGeometryOffset + LpFormat.GeometrySize)
        {
            throw new InvalidDataException($"Not a super image: {source.Length} bytes is too short to hold liblp's geometry at offsets 4096 and 8192.");
        }

        LpGeometry geometry;
        try
        {
            await reader.ReadAsync(LpFormat.PrimaryGeometryOffset, block, "the geometry").ConfigureAwait(false);
            geometry = LpMetadataParser.ParseGeometry(block, "geometry at offset 4096");
        }
        catch (InvalidDataException primaryFailure)
        {
            try
            {
                await reader.ReadAsync(LpFormat.BackupGeometryOffset, block, "the backup geometry").ConfigureAwait(false);
                geometry = LpMetadataParser.ParseGeometry(block, "backup geometry at offset 8192");
            }
            catch (InvalidDataException backupFailure)
            {
                throw new InvalidDataException($"Not a super image, or its geometry is damaged: {primaryFailure.Message} {backupFailure.Message}", backupFailure);
            }
            LayoutsLog.UsingBackupGeometry(options.Logger, primaryFailure.Message);
        }
        CheckSlot(geometry, options.Slot);
        long region = LpFormat.TotalMetadataSize(geometry.MetadataMaxSize, geometry.MetadataSlotCount);
        if (region > source.Length)
        {
            throw new InvalidDataException($"geometry at offset 4096: the metadata area ({geometry.MetadataSlotCount} slots of {geometry.MetadataMaxSize} bytes, twice: {region} bytes) extends beyond the image's {source.Length} bytes.");
        }

        long primaryOffset = LpFormat.PrimaryMetadataOffset(geometry, options.Slot);
        long backupOffset = LpFormat.BackupMetadataOffset(geometry, options.Slot);
        try
        {
            LpMetadata primary = await ReadMetadataAsync(reader, geometry, primaryOffset, $"slot {options.Slot} primary metadata at offset {primaryOffset}").ConfigureAwait(false);
            return Finish(source, options, primary, LpMetadataCopy.Primary);
        }
        catch (InvalidDataException primaryFailure)
        {
            LpMetadata backup;
            try
            {
                backup = await ReadMetadataAsync(reader, geometry, backupOffset, $"slot {options.Slot} backup metadata at offset {backupOffset}").ConfigureAwait(false);
            }
            catch (InvalidDataException backupFailure)
            {
                throw new InvalidDataException($"{primaryFailure.Message} {backupFailure.Message}", backupFailure);
            }
            LayoutsLog.UsingBackupMetadata(options.Logger, options.Slot, primaryFailure.Message);
            return Finish(source, options, backup, LpMetadataCopy.Backup);
        }
    }

    private static async ValueTask<LpMetadata> ReadMetadataAsync(Reader reader, LpGeometry geometry, long offset, string where)
    {
        byte[] header = new byte[LpFormat.HeaderV12Size];
        await reader.ReadAsync(offset, header.AsMemory(0, LpFormat.HeaderV10Size), where).ConfigureAwait(false);
        int headerSize = LpMetadataParser.ParseHeaderSize(header, where);
        if (headerSize > LpFormat.HeaderV10Size)
        {
            await reader.ReadAsync(offset + LpFormat.HeaderV10Size, header.AsMemory(LpFormat.HeaderV10Size, headerSize - LpFormat.HeaderV10Size), where).ConfigureAwait(false);
        }
        LpHeader parsed = LpMetadataParser.ParseHeader(header.AsSpan(0, headerSize), geometry, where);
        // Bounded by ParseHeader (at most metadata_max_size and 16 MiB), and by the image's length below.
        byte[] tables = new byte[parsed.TablesSize];
        await reader.ReadAsync(offset + headerSize, tables, where).ConfigureAwait(false);
        return LpMetadataParser.ParseTables(geometry, parsed, tables, where);
    }

    private static SuperImage Finish(IBlockSource source, SuperImageOptions options, LpMetadata metadata, LpMetadataCopy copy)
    {
        LpMetadata adjusted = LpSlotSuffixes.Apply(metadata, options.Slot);
        if (copy != LpMetadataCopy.EmptyImage && adjusted.SuperDevice.Size > (ulong)source.Length)
        {
            throw new InvalidDataException(
                $"The image holds {source.Length} bytes but its metadata describes a super device of {adjusted.SuperDevice.Size} bytes: it is truncated, or only some of its pieces were given.");
        }
        LayoutsLog.ReadMetadata(options.Logger, adjusted.MinorVersion, options.Slot, adjusted.Partitions.Count, adjusted.Groups.Count, adjusted.BlockDevices.Count);
        return SuperImage.Create(source, adjusted, options.Slot, copy, options.Logger);
    }

    private static void CheckSlot(LpGeometry geometry, uint slot)
    {
        if (slot >= geometry.MetadataSlotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"Slot {slot} does not exist: the image has {geometry.MetadataSlotCount} metadata slot(s).");
        }
    }

    /// <summary>Reads through the source synchronously or asynchronously, turning a short image into a located error.</summary>
    private readonly struct Reader(IBlockSource source, bool synchronous, CancellationToken cancellationToken)
    {
        public async ValueTask ReadAsync(long offset, Memory<byte> destination, string what)
        {
            if (offset > source.Length || destination.Length > source.Length - offset)
            {
                throw new InvalidDataException($"{what}: the image ends at byte {source.Length}, before the {destination.Length} bytes at offset {offset} (truncated).");
            }
            if (synchronous)
            {
                source.Read(offset, destination.Span);
            }
            else
            {
                await source.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
