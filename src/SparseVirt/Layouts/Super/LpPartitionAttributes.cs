namespace SparseVirt.Layouts.Super;

/// <summary>A logical partition's attributes (liblp's <c>LP_PARTITION_ATTR_*</c>).</summary>
[Flags]
public enum LpPartitionAttributes : uint
{
    /// <summary>No attribute.</summary>
    None = 0,

    /// <summary>The partition is mapped read-only.</summary>
    ReadOnly = 1 << 0,

    /// <summary>The name gets the slot's suffix (<c>_a</c>, <c>_b</c>) when the metadata is read for a slot.</summary>
    SlotSuffixed = 1 << 1,

    /// <summary>Metadata 10.1+: the partition was updated by an OTA in progress.</summary>
    Updated = 1 << 2,

    /// <summary>Metadata 10.1+: the partition is not mapped.</summary>
    Disabled = 1 << 3,
}

/// <summary>What a logical partition's extent maps onto (liblp's <c>LP_TARGET_TYPE_*</c>).</summary>
public enum LpExtentType : uint
{
    /// <summary>Sectors of a block device (<see cref="LpExtent.TargetData"/> is the first sector, <see cref="LpExtent.TargetSource"/> the device).</summary>
    Linear = 0,

    /// <summary>Sectors that read as zeros.</summary>
    Zero = 1,
}

/// <summary>A partition group's flags (liblp's <c>LP_GROUP_*</c>).</summary>
[Flags]
public enum LpGroupFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The name gets the slot's suffix when the metadata is read for a slot.</summary>
    SlotSuffixed = 1 << 0,
}

/// <summary>A block device's flags (liblp's <c>LP_BLOCK_DEVICE_*</c>).</summary>
[Flags]
public enum LpBlockDeviceFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The partition name gets the slot's suffix when the metadata is read for a slot.</summary>
    SlotSuffixed = 1 << 0,
}

/// <summary>Metadata header flags (liblp's <c>LP_HEADER_FLAG_*</c>, metadata 10.2+).</summary>
[Flags]
public enum LpHeaderFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The device uses Virtual A/B.</summary>
    VirtualAbDevice = 1 << 0,

    /// <summary>Overlays are active (informational).</summary>
    OverlaysActive = 1 << 1,
}
