using System.Buffers.Binary;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts.Super;

/// <summary>Reads a super image's geometry and metadata; one core for the synchronous and asynchronous forms.</summary>
internal static class SuperImageReader
{
    public static async ValueTask<SuperImage> OpenAsync(IBlockSource source, SuperImageOptions options, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var reader = new Reader(source, async, cancellationToken);
        if (await TryOpenEmptyImageAsync(reader, source, options).ConfigureAwait(false) is { } empty)
        {
            return empty;
        }
        if (source.Length < LpFormat.BackupGeometryOffset + LpFormat.GeometrySize)
        {
            throw new InvalidDataException($"Not a super image: {source.Length} bytes is too short to hold liblp's geometry at offsets 4096 and 8192.");
        }

        LpGeometry geometry = await ReadGeometryAsync(reader, options).ConfigureAwait(false);
        CheckSlot(geometry, options.Slot);
        long region = LpFormat.TotalMetadataSize(geometry.MetadataMaxSize, geometry.MetadataSlotCount);
        if (region > source.Length)
        {
            throw new InvalidDataException($"geometry at offset 4096: the metadata area ({geometry.MetadataSlotCount} slots of {geometry.MetadataMaxSize} bytes, twice: {region} bytes) extends beyond the image's {source.Length} bytes.");
        }
        return await ReadSlotAsync(reader, source, options, geometry).ConfigureAwait(false);
    }

    /// <summary>A <c>super_empty.img</c> (lpmake without images): the geometry at 0 and one metadata copy right after it; null for anything else.</summary>
    private static async ValueTask<SuperImage?> TryOpenEmptyImageAsync(Reader reader, IBlockSource source, SuperImageOptions options)
    {
        if (source.Length < LpFormat.GeometrySize)
        {
            return null;
        }
        byte[] block = new byte[LpFormat.GeometrySize];
        await reader.ReadAsync(0, block, "the geometry at offset 0").ConfigureAwait(false);
        if (BinaryPrimitives.ReadUInt32LittleEndian(block) != LpFormat.GeometryMagic)
        {
            return null;
        }
        LpGeometry emptyGeometry = LpMetadataParser.ParseGeometry(block, "geometry at offset 0");
        CheckSlot(emptyGeometry, options.Slot);
        LpMetadata only = await ReadMetadataAsync(reader, emptyGeometry, LpFormat.GeometrySize, "metadata at offset 4096").ConfigureAwait(false);
        return Finish(source, options, only, LpMetadataCopy.EmptyImage);
    }

    /// <summary>The geometry at 4096, or its backup at 8192 when the primary fails a check.</summary>
    private static async ValueTask<LpGeometry> ReadGeometryAsync(Reader reader, SuperImageOptions options)
    {
        byte[] block = new byte[LpFormat.GeometrySize];
        try
        {
            await reader.ReadAsync(LpFormat.PrimaryGeometryOffset, block, "the geometry").ConfigureAwait(false);
            return LpMetadataParser.ParseGeometry(block, "geometry at offset 4096");
        }
        catch (InvalidDataException primaryFailure)
        {
            LpGeometry geometry;
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
            return geometry;
        }
    }

    /// <summary>The slot's primary metadata, or its backup when the primary fails a check.</summary>
    private static async ValueTask<SuperImage> ReadSlotAsync(Reader reader, IBlockSource source, SuperImageOptions options, LpGeometry geometry)
    {
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

    /// <summary>Reads through the source synchronously or asynchronously (as <c>async</c> says), turning a short image into a located error.</summary>
    private readonly struct Reader(IBlockSource source, bool async, CancellationToken cancellationToken)
    {
        public async ValueTask ReadAsync(long offset, Memory<byte> destination, string what)
        {
            if (offset > source.Length || destination.Length > source.Length - offset)
            {
                throw new InvalidDataException($"{what}: the image ends at byte {source.Length}, before the {destination.Length} bytes at offset {offset} (truncated).");
            }
            if (async)
            {
                await source.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                source.Read(offset, destination.Span);
            }
        }
    }
}
