using System.Collections.Immutable;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts.Super;

/// <summary>
/// What <see cref="SuperImageBuilder"/> builds, in <c>lpmake</c>'s terms: the device and metadata sizes, slots,
/// block size and alignment, the groups, the partitions (in allocation order) and the images to place in them.
/// Immutable: vary it with the <c>With...</c> methods.
/// </summary>
public sealed record SuperImageDefinition
{
    /// <summary>A definition with lpmake's defaults and no device size yet (4096-byte blocks, 1 MiB alignment, "super").</summary>
    public static SuperImageDefinition Default { get; } = new();

    /// <summary>The super device's size in bytes (lpmake's <c>--device-size</c>); a multiple of <see cref="BlockSize"/>.</summary>
    public ulong DeviceSize { get; private init; }

    /// <summary>The most bytes one metadata copy may take (lpmake's <c>--metadata-size</c>), rounded up to 512.</summary>
    public uint MetadataSize { get; private init; } = 65536;

    /// <summary>The number of metadata slots (lpmake's <c>--metadata-slots</c>): 2 for A/B devices.</summary>
    public uint MetadataSlots { get; private init; } = 2;

    /// <summary>The logical block size (lpmake's <c>--block-size</c>), also the sparse output's block size.</summary>
    public uint BlockSize { get; private init; } = 4096;

    /// <summary>The partition alignment in bytes (lpmake's <c>--alignment</c>).</summary>
    public uint Alignment { get; private init; } = LpFormat.DefaultAlignment;

    /// <summary>The alignment offset in bytes (lpmake's <c>--alignment-offset</c>).</summary>
    public uint AlignmentOffset { get; private init; }

    /// <summary>The super device's partition name (lpmake's <c>--super-name</c>).</summary>
    public string SuperName { get; private init; } = LpFormat.DefaultSuperName;

    /// <summary>Groups besides "default", in order (lpmake's <c>--group NAME:SIZE</c>).</summary>
    public ImmutableList<LpPartitionGroup> Groups { get; private init; } = [];

    /// <summary>The partitions, allocated in this order (lpmake's <c>--partition NAME:ATTRS:SIZE[:GROUP]</c>).</summary>
    public ImmutableList<SuperPartitionDefinition> Partitions { get; private init; } = [];

    /// <summary>The contents of partitions, by partition name (lpmake's <c>--image NAME=FILE</c>): raw or the view of a sparse image.</summary>
    public ImmutableDictionary<string, IBlockSource> Images { get; private init; } = ImmutableDictionary<string, IBlockSource>.Empty;

    /// <summary>Mark partitions, groups and the device slot-suffixed (lpmake's <c>--auto-slot-suffixing</c>).</summary>
    public bool AutoSlotSuffixing { get; private init; }

    /// <summary>Set the Virtual A/B header flag, which needs metadata 10.2 (lpmake's <c>--virtual-ab</c>).</summary>
    public bool VirtualAb { get; private init; }

    /// <summary>Build the whole device even without images (lpmake's <c>--force-full-image</c>); otherwise no images gives a super_empty image.</summary>
    public bool ForceFullImage { get; private init; }

    /// <summary>Returns a copy with the device size.</summary>
    public SuperImageDefinition WithDeviceSize(ulong bytes) => this with { DeviceSize = bytes };

    /// <summary>Returns a copy with the metadata size.</summary>
    public SuperImageDefinition WithMetadataSize(uint bytes) => this with { MetadataSize = bytes };

    /// <summary>Returns a copy with the number of metadata slots.</summary>
    public SuperImageDefinition WithMetadataSlots(uint slots) => this with { MetadataSlots = slots };

    /// <summary>Returns a copy with the block size.</summary>
    public SuperImageDefinition WithBlockSize(uint bytes) => this with { BlockSize = bytes };

    /// <summary>Returns a copy with the alignment and alignment offset.</summary>
    public SuperImageDefinition WithAlignment(uint alignment, uint alignmentOffset = 0) => this with { Alignment = alignment, AlignmentOffset = alignmentOffset };

    /// <summary>Returns a copy with the super device's name.</summary>
    public SuperImageDefinition WithSuperName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return this with { SuperName = name };
    }

    /// <summary>Returns a copy with one more group (maximum size 0: unlimited).</summary>
    public SuperImageDefinition WithGroup(string name, ulong maximumSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return this with { Groups = Groups.Add(new LpPartitionGroup(name, LpGroupFlags.None, maximumSize)) };
    }

    /// <summary>Returns a copy with one more partition, allocated after those already defined.</summary>
    public SuperImageDefinition WithPartition(string name, LpPartitionAttributes attributes, ulong size, string group = LpFormat.DefaultGroupName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(group);
        return this with { Partitions = Partitions.Add(new SuperPartitionDefinition(name, attributes, size, group)) };
    }

    /// <summary>Returns a copy that fills partition <paramref name="partition"/> with <paramref name="image"/> (which the caller keeps open while the result is used).</summary>
    public SuperImageDefinition WithImage(string partition, IBlockSource image)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition);
        ArgumentNullException.ThrowIfNull(image);
        return this with { Images = Images.SetItem(partition, image) };
    }

    /// <summary>Returns a copy with slot suffixing on or off.</summary>
    public SuperImageDefinition WithAutoSlotSuffixing(bool enabled = true) => this with { AutoSlotSuffixing = enabled };

    /// <summary>Returns a copy with the Virtual A/B flag on or off.</summary>
    public SuperImageDefinition WithVirtualAb(bool enabled = true) => this with { VirtualAb = enabled };

    /// <summary>Returns a copy that builds the full device even without images.</summary>
    public SuperImageDefinition WithForceFullImage(bool enabled = true) => this with { ForceFullImage = enabled };
}

/// <summary>One partition to allocate.</summary>
/// <param name="Name">The partition's name.</param>
/// <param name="Attributes">Its attributes (<c>readonly</c> in lpmake's terms is <see cref="LpPartitionAttributes.ReadOnly"/>).</param>
/// <param name="Size">Its size in bytes, rounded up to the block size.</param>
/// <param name="Group">The group it belongs to.</param>
public sealed record SuperPartitionDefinition(string Name, LpPartitionAttributes Attributes, ulong Size, string Group);
