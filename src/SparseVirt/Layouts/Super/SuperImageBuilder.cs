using SparseVirt.BlockSources;
using SparseVirt.Layouts.Composition;

namespace SparseVirt.Layouts.Super;

/// <summary>
/// Builds a super image as AOSP's <c>lpmake</c> does, without copying anything: the result is a block source whose
/// metadata area is generated and whose partition ranges map onto the given images (raw, or the view of a sparse
/// image, never expanded first). Write it with <see cref="BlockSourceFile"/>, or as a sparse image through the
/// Sparse area's writer over a <see cref="BlockSourceStream"/>.
/// </summary>
public static class SuperImageBuilder
{
    /// <summary>Allocates the partitions and lays out the image.</summary>
    /// <returns>The metadata, and the image: the whole device, or a <c>super_empty.img</c> when there are no images and <see cref="SuperImageDefinition.ForceFullImage"/> is off.</returns>
    /// <exception cref="ArgumentException">
    /// The definition is inconsistent, or an image does not fit its partition. The message starts with the property at
    /// fault, as <c>SuperImageDefinition.BlockSize: ...</c> or <c>SuperImageDefinition.Images["system"]: ...</c>.
    /// </exception>
    public static SuperImageBuild Build(SuperImageDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        LpMetadata metadata = LpAllocator.Allocate(definition);
        byte[] geometry = LpMetadataWriter.SerializeGeometry(metadata.Geometry);
        byte[] blob = LpMetadataWriter.SerializeMetadata(metadata);

        foreach (string name in definition.Images.Keys)
        {
            if (metadata.FindPartition(name) is null)
            {
                throw BadImage(name, $"there is no partition '{name}'");
            }
        }
        if (definition.Images.IsEmpty && !definition.ForceFullImage)
        {
            byte[] empty = [.. geometry, .. blob];
            return new SuperImageBuild(metadata, new MemoryBlockSource(empty, LpFormat.SectorSize), IsEmptyImage: true);
        }

        uint blockSize = definition.BlockSize;
        if (LpFormat.GeometrySize % blockSize != 0 || metadata.Geometry.MetadataMaxSize % blockSize != 0)
        {
            throw new ArgumentException(
                $"{nameof(SuperImageDefinition)}.{nameof(SuperImageDefinition.BlockSize)}: {blockSize} does not suit a full image, which needs the geometry (4096 bytes) and the metadata size ({metadata.Geometry.MetadataMaxSize}) to be multiples of the block size.",
                nameof(definition));
        }

        var layout = new SegmentLayout();
        AddMetadataArea(layout, metadata, geometry, blob);
        foreach ((string name, IBlockSource image) in definition.Images)
        {
            AddImage(layout, metadata, name, image);
        }
        IBlockSource built = layout.Build(checked((long)definition.DeviceSize), checked((int)blockSize));
        return new SuperImageBuild(metadata, built, IsEmptyImage: false);
    }

    private static void AddMetadataArea(SegmentLayout layout, LpMetadata metadata, byte[] geometry, byte[] blob)
    {
        // The reserved first 4096 bytes are zeros lpmake writes out (a FILL chunk), then both geometry copies, then
        // every primary and backup slot, each the same metadata padded to metadata_max_size.
        layout.AddZeros(0, LpFormat.ReservedBytes);
        layout.AddBytes(LpFormat.PrimaryGeometryOffset, geometry);
        layout.AddBytes(LpFormat.BackupGeometryOffset, geometry);
        byte[] slot = new byte[metadata.Geometry.MetadataMaxSize];
        blob.CopyTo(slot, 0);
        for (uint i = 0; i < metadata.Geometry.MetadataSlotCount; i++)
        {
            layout.AddBytes(LpFormat.PrimaryMetadataOffset(metadata.Geometry, i), slot);
            layout.AddBytes(LpFormat.BackupMetadataOffset(metadata.Geometry, i), slot);
        }
    }

    /// <summary>Maps <paramref name="image"/> onto its partition's extents, in order.</summary>
    private static void AddImage(SegmentLayout layout, LpMetadata metadata, string name, IBlockSource image)
    {
        LpPartition partition = metadata.FindPartition(name)!;
        ulong size = metadata.SizeOf(partition);
        if ((ulong)image.Length > size)
        {
            throw BadImage(name, $"the image is {image.Length} bytes, larger than partition '{name}' ({size} bytes)");
        }
        long imageOffset = 0;
        foreach (LpExtent extent in metadata.ExtentsOf(partition))
        {
            long count = Math.Min(checked((long)extent.Length), image.Length - imageOffset);
            if (count <= 0)
            {
                break;
            }
            layout.AddSource(checked((long)extent.TargetData * LpFormat.SectorSize), count, image, imageOffset);
            imageOffset += count;
        }
    }

    private static ArgumentException BadImage(string partition, string what) =>
        new($"{nameof(SuperImageDefinition)}.{nameof(SuperImageDefinition.Images)}[\"{partition}\"]: {what}.", "definition");
}

/// <summary>What <see cref="SuperImageBuilder.Build"/> made.</summary>
/// <param name="Metadata">The metadata written into every slot.</param>
/// <param name="Image">The image's bytes (generated metadata, the inputs' ranges, holes elsewhere).</param>
/// <param name="IsEmptyImage">True when <paramref name="Image"/> is a <c>super_empty.img</c> (geometry and metadata only).</param>
public sealed record SuperImageBuild(LpMetadata Metadata, IBlockSource Image, bool IsEmptyImage);
