namespace SparseVirt.Layouts.Super;

/// <summary>
/// Turns a <see cref="SuperImageDefinition"/> into liblp metadata the way AOSP's <c>MetadataBuilder</c> does on a
/// host (no A/B halving): the metadata area first, partitions then allocated in order from the first aligned free
/// sector, each grown over the free regions between existing extents. Errors are <see cref="ArgumentException"/>s
/// whose message starts with the definition's property at fault (<c>SuperImageDefinition.BlockSize: ...</c>).
/// </summary>
internal static class LpAllocator
{
    public static LpMetadata Allocate(SuperImageDefinition definition)
    {
        uint blockSize = definition.BlockSize;
        (uint metadataMaxSize, LpBlockDevice device) = LayOutDevice(definition);
        List<LpPartitionGroup> groups = CollectGroups(definition);
        List<(SuperPartitionDefinition Definition, List<(ulong Start, ulong Count)> Extents)> allocated = AllocatePartitions(definition, device, groups);

        bool suffix = definition.AutoSlotSuffixing;
        var extents = new List<LpExtent>();
        var partitions = new List<LpPartition>();
        ushort minor = 0;
        foreach ((SuperPartitionDefinition partition, List<(ulong Start, ulong Count)> ranges) in allocated)
        {
            if ((partition.Attributes & (LpPartitionAttributes.Updated | LpPartitionAttributes.Disabled)) != 0)
            {
                minor = Math.Max(minor, LpFormat.VersionForUpdatedAttributes);
            }
            LpPartitionAttributes attributes = partition.Attributes | (suffix ? LpPartitionAttributes.SlotSuffixed : LpPartitionAttributes.None);
            partitions.Add(new LpPartition(partition.Name, attributes, (uint)extents.Count, (uint)ranges.Count, (uint)groups.FindIndex(g => g.Name == partition.Group)));
            extents.AddRange(ranges.Select(r => new LpExtent(r.Count, LpExtentType.Linear, r.Start, 0)));
        }
        LpHeaderFlags flags = LpHeaderFlags.None;
        if (definition.VirtualAb)
        {
            minor = LpFormat.VersionForExpandedHeader;
            flags = LpHeaderFlags.VirtualAbDevice;
        }
        var metadata = new LpMetadata(
            new LpGeometry(metadataMaxSize, definition.MetadataSlots, blockSize),
            minor,
            flags,
            partitions,
            extents,
            groups.Select(g => suffix && g.Name != LpFormat.DefaultGroupName ? g with { Flags = g.Flags | LpGroupFlags.SlotSuffixed } : g).ToArray(),
            [suffix ? device with { Flags = LpBlockDeviceFlags.SlotSuffixed } : device]);
        CheckFits(metadata, metadataMaxSize);
        return metadata;
    }

    /// <summary>Checks the sizes and places the metadata area: the metadata's maximum size and the device with its first free sector.</summary>
    private static (uint MetadataMaxSize, LpBlockDevice Device) LayOutDevice(SuperImageDefinition definition)
    {
        uint blockSize = definition.BlockSize;
        if (blockSize == 0 || blockSize % LpFormat.SectorSize != 0)
        {
            throw Bad(nameof(SuperImageDefinition.BlockSize), $"{blockSize} is not a positive multiple of {LpFormat.SectorSize}");
        }
        if (definition.DeviceSize == 0 || definition.DeviceSize % blockSize != 0)
        {
            throw Bad(nameof(SuperImageDefinition.DeviceSize), $"{definition.DeviceSize} is not a positive multiple of the block size {blockSize}");
        }
        if (definition.MetadataSize < LpFormat.HeaderV12Size)
        {
            throw Bad(nameof(SuperImageDefinition.MetadataSize), $"{definition.MetadataSize} is smaller than a metadata header ({LpFormat.HeaderV12Size} bytes)");
        }
        if (definition.MetadataSlots == 0)
        {
            throw Bad(nameof(SuperImageDefinition.MetadataSlots), "there must be at least one slot");
        }
        if (definition.Alignment % LpFormat.SectorSize != 0 || definition.AlignmentOffset % LpFormat.SectorSize != 0 || definition.AlignmentOffset > definition.Alignment)
        {
            throw Bad(nameof(SuperImageDefinition.Alignment), $"alignment {definition.Alignment} and offset {definition.AlignmentOffset} must be multiples of {LpFormat.SectorSize}, the offset no larger than the alignment");
        }
        uint metadataMaxSize = checked((uint)LpFormat.AlignTo(definition.MetadataSize, LpFormat.SectorSize));
        ulong reserved = (ulong)LpFormat.TotalMetadataSize(metadataMaxSize, definition.MetadataSlots);
        ulong firstFree = definition.Alignment != 0 || definition.AlignmentOffset != 0
            ? LpFormat.AlignTo(reserved, definition.Alignment, definition.AlignmentOffset)
            : LpFormat.AlignTo(reserved, blockSize);
        if (definition.DeviceSize < firstFree + blockSize)
        {
            throw Bad(nameof(SuperImageDefinition.DeviceSize), $"the device must be at least {firstFree + blockSize} bytes to hold the metadata ({reserved} bytes) and one block");
        }
        return (metadataMaxSize, new LpBlockDevice(firstFree / LpFormat.SectorSize, definition.Alignment, definition.AlignmentOffset, definition.DeviceSize, definition.SuperName, LpBlockDeviceFlags.None));
    }

    private static List<LpPartitionGroup> CollectGroups(SuperImageDefinition definition)
    {
        var groups = new List<LpPartitionGroup> { new(LpFormat.DefaultGroupName, LpGroupFlags.None, 0) };
        foreach (LpPartitionGroup group in definition.Groups)
        {
            if (groups.Any(g => g.Name == group.Name))
            {
                throw Bad(nameof(SuperImageDefinition.Groups), $"group '{group.Name}' is defined twice");
            }
            groups.Add(group);
        }
        return groups;
    }

    /// <summary>Allocates the partitions in order, each within its group's maximum size.</summary>
    private static List<(SuperPartitionDefinition Definition, List<(ulong Start, ulong Count)> Extents)> AllocatePartitions(SuperImageDefinition definition, LpBlockDevice device, List<LpPartitionGroup> groups)
    {
        uint blockSize = definition.BlockSize;
        var allocated = new List<(SuperPartitionDefinition Definition, List<(ulong Start, ulong Count)> Extents)>();
        foreach (SuperPartitionDefinition partition in definition.Partitions)
        {
            if (allocated.Any(p => p.Definition.Name == partition.Name))
            {
                throw Bad(nameof(SuperImageDefinition.Partitions), $"partition '{partition.Name}' is defined twice");
            }
            LpPartitionGroup group = groups.FirstOrDefault(g => g.Name == partition.Group)
                ?? throw Bad(nameof(SuperImageDefinition.Partitions), $"partition '{partition.Name}' is in group '{partition.Group}', which is not defined");
            ulong size = LpFormat.AlignTo(partition.Size, blockSize);
            if (group.MaximumSize > 0)
            {
                ulong used = allocated.Where(p => p.Definition.Group == group.Name).SelectMany(p => p.Extents).Aggregate(0UL, (sum, e) => sum + e.Count) * LpFormat.SectorSize;
                if (size > 0 && (used >= group.MaximumSize || group.MaximumSize - used < size))
                {
                    throw Bad(nameof(SuperImageDefinition.Partitions), $"partition '{partition.Name}' ({size} bytes) does not fit in group '{group.Name}' ({used} of {group.MaximumSize} bytes used)");
                }
            }
            allocated.Add((partition, Grow(device, allocated.SelectMany(p => p.Extents), size / LpFormat.SectorSize, blockSize / LpFormat.SectorSize, partition.Name)));
        }
        return allocated;
    }

    /// <summary>Checks that the metadata fits its maximum size and that every name is one liblp can store.</summary>
    private static void CheckFits(LpMetadata metadata, uint metadataMaxSize)
    {
        int blobSize = metadata.HeaderSize + (metadata.Partitions.Count * LpFormat.PartitionEntrySize) + (metadata.Extents.Count * LpFormat.ExtentEntrySize)
            + (metadata.Groups.Count * LpFormat.GroupEntrySize) + LpFormat.BlockDeviceEntrySize;
        if (blobSize > metadataMaxSize)
        {
            throw Bad(nameof(SuperImageDefinition.MetadataSize), $"the metadata takes {blobSize} bytes, more than the {metadataMaxSize} allowed");
        }
        CheckNames(nameof(SuperImageDefinition.Partitions), metadata.Partitions.Select(p => p.Name));
        CheckNames(nameof(SuperImageDefinition.Groups), metadata.Groups.Select(g => g.Name));
        CheckNames(nameof(SuperImageDefinition.SuperName), metadata.BlockDevices.Select(d => d.PartitionName));
    }

    private static void CheckNames(string property, IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            if (name.Length > LpFormat.NameSize || name.Any(c => c is <= ' ' or > '~'))
            {
                throw Bad(property, $"the name '{name}' is not printable ASCII of at most {LpFormat.NameSize} characters");
            }
        }
    }

    /// <summary>Allocates <paramref name="sectors"/> from the free regions between existing extents, first fit in order.</summary>
    private static List<(ulong Start, ulong Count)> Grow(LpBlockDevice device, IEnumerable<(ulong Start, ulong Count)> used, ulong sectors, ulong sectorsPerBlock, string name)
    {
        var result = new List<(ulong Start, ulong Count)>();
        if (sectors == 0)
        {
            return result;
        }
        var boundaries = used.Select(e => (Start: e.Start, End: e.Start + e.Count)).ToList();
        boundaries.Add((device.FirstLogicalSector, device.FirstLogicalSector));
        boundaries.Add((device.Size / LpFormat.SectorSize, device.Size / LpFormat.SectorSize));
        boundaries.Sort();
        for (int i = 1; i < boundaries.Count && sectors > 0; i++)
        {
            ulong start = AlignSector(device, boundaries[i - 1].End);
            ulong end = boundaries[i].Start;
            if (start >= end)
            {
                continue;
            }
            ulong length = (end - start) / sectorsPerBlock * sectorsPerBlock;
            ulong take = Math.Min(sectors, length);
            if (take == 0)
            {
                continue;
            }
            if (result.Count > 0 && result[^1].Start + result[^1].Count == start)
            {
                result[^1] = (result[^1].Start, result[^1].Count + take);
            }
            else
            {
                result.Add((start, take));
            }
            sectors -= take;
        }
        return sectors == 0
            ? result
            : throw Bad(nameof(SuperImageDefinition.Partitions), $"not enough space on the device for partition '{name}'");
    }

    private static ulong AlignSector(LpBlockDevice device, ulong sector) =>
        LpFormat.AlignTo(LpFormat.AlignTo(sector * LpFormat.SectorSize, device.Alignment, device.AlignmentOffset), LpFormat.SectorSize) / LpFormat.SectorSize;

    /// <summary>An error naming the definition's property at fault, as <c>SuperImageDefinition.PROPERTY: what.</c></summary>
    private static ArgumentException Bad(string property, string what) => new($"{nameof(SuperImageDefinition)}.{property}: {what}.");
}
