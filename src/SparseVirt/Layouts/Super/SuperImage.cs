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
        SyncPath.Complete(SuperImageReader.OpenAsync(source, options ?? SuperImageOptions.Default, async: false, CancellationToken.None));

    /// <inheritdoc cref="Open"/>
    public static async Task<SuperImage> OpenAsync(IBlockSource source, SuperImageOptions? options = null, CancellationToken cancellationToken = default) =>
        await SuperImageReader.OpenAsync(source, options ?? SuperImageOptions.Default, async: true, cancellationToken).ConfigureAwait(false);

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
