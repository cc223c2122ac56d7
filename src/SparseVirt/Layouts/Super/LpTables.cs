namespace SparseVirt.Layouts.Super;

/// <summary>One entry of the partition table (liblp's <c>LpMetadataPartition</c>).</summary>
/// <param name="Name">The partition's name (ASCII, at most 36 characters); slot-suffixed names carry the slot's suffix once read.</param>
/// <param name="Attributes">The partition's attributes.</param>
/// <param name="FirstExtentIndex">The index of its first extent in <see cref="LpMetadata.Extents"/>.</param>
/// <param name="ExtentCount">How many extents it has (0 for an empty partition).</param>
/// <param name="GroupIndex">The index of its group in <see cref="LpMetadata.Groups"/>.</param>
public sealed record LpPartition(string Name, LpPartitionAttributes Attributes, uint FirstExtentIndex, uint ExtentCount, uint GroupIndex);

/// <summary>One entry of the extent table (liblp's <c>LpMetadataExtent</c>).</summary>
/// <param name="SectorCount">The extent's length in 512-byte sectors.</param>
/// <param name="Type">What the extent maps onto.</param>
/// <param name="TargetData">For <see cref="LpExtentType.Linear"/>, the first sector on the block device; 0 otherwise.</param>
/// <param name="TargetSource">For <see cref="LpExtentType.Linear"/>, the index of the block device; 0 otherwise.</param>
public sealed record LpExtent(ulong SectorCount, LpExtentType Type, ulong TargetData, uint TargetSource)
{
    /// <summary>The extent's length in bytes.</summary>
    public ulong Length => SectorCount * LpFormat.SectorSize;
}

/// <summary>One entry of the group table (liblp's <c>LpMetadataPartitionGroup</c>).</summary>
/// <param name="Name">The group's name (at most 36 characters).</param>
/// <param name="Flags">The group's flags.</param>
/// <param name="MaximumSize">The most bytes its partitions may take together (0: no limit).</param>
public sealed record LpPartitionGroup(string Name, LpGroupFlags Flags, ulong MaximumSize);

/// <summary>One entry of the block device table (liblp's <c>LpMetadataBlockDevice</c>); the first is the super device.</summary>
/// <param name="FirstLogicalSector">The first sector partitions may use (after the metadata).</param>
/// <param name="Alignment">The alignment of partition extents in bytes.</param>
/// <param name="AlignmentOffset">The offset the alignment is measured from.</param>
/// <param name="Size">The device's size in bytes.</param>
/// <param name="PartitionName">The device's partition name (<c>super</c>).</param>
/// <param name="Flags">The device's flags.</param>
public sealed record LpBlockDevice(ulong FirstLogicalSector, uint Alignment, uint AlignmentOffset, ulong Size, string PartitionName, LpBlockDeviceFlags Flags);
