namespace SparseVirt.Layouts.Super;

/// <summary>
/// Checks the relations between liblp's tables: those AOSP's reader checks (attributes allowed by the version, extent
/// ranges and group indexes in bounds, a super device, the metadata clear of the partitions) and those a reader of
/// untrusted images must add (linear extents inside their device and after its metadata, no sector owned twice,
/// partition names usable as file names).
/// </summary>
internal static class LpMetadataValidator
{
    public static void Validate(LpMetadata metadata, string where)
    {
        LpPartitionAttributes allowed = LpPartitionAttributes.ReadOnly | LpPartitionAttributes.SlotSuffixed;
        if (metadata.MinorVersion >= LpFormat.VersionForUpdatedAttributes)
        {
            allowed |= LpPartitionAttributes.Updated | LpPartitionAttributes.Disabled;
        }
        if (metadata.BlockDevices.Count == 0)
        {
            throw LpMetadataParser.Invalid(where, "the block device table is empty (no super device)");
        }
        ulong metadataRegion = (ulong)LpFormat.TotalMetadataSize(metadata.Geometry.MetadataMaxSize, metadata.Geometry.MetadataSlotCount);
        LpBlockDevice super = metadata.SuperDevice;
        if (SectorsToBytes(super.FirstLogicalSector) < metadataRegion)
        {
            throw LpMetadataParser.Invalid(where, $"the super device's first_logical_sector {super.FirstLogicalSector} lies inside the {metadataRegion} bytes of metadata");
        }

        for (int i = 0; i < metadata.Extents.Count; i++)
        {
            LpExtent extent = metadata.Extents[i];
            if (extent.Type is not (LpExtentType.Linear or LpExtentType.Zero))
            {
                throw LpMetadataParser.Invalid(where, $"extent {i} has unknown target_type {(uint)extent.Type}");
            }
            if (extent.Type == LpExtentType.Linear && extent.TargetSource >= metadata.BlockDevices.Count)
            {
                throw LpMetadataParser.Invalid(where, $"extent {i} targets block device {extent.TargetSource}, but there are {metadata.BlockDevices.Count}");
            }
        }

        List<(uint Device, ulong Start, ulong End, string Partition)> owners = CheckPartitions(metadata, allowed, where);
        owners.Sort((a, b) => a.Device != b.Device ? a.Device.CompareTo(b.Device) : a.Start.CompareTo(b.Start));
        for (int i = 1; i < owners.Count; i++)
        {
            if (owners[i].Device == owners[i - 1].Device && owners[i].Start < owners[i - 1].End)
            {
                throw LpMetadataParser.Invalid(where, $"partitions '{owners[i - 1].Partition}' and '{owners[i].Partition}' have overlapping extents at byte {owners[i].Start} of block device {owners[i].Device}");
            }
        }
    }

    /// <summary>Checks each partition (name, attributes, extent and group indexes, extents inside their device) and lists which sectors each owns.</summary>
    private static List<(uint Device, ulong Start, ulong End, string Partition)> CheckPartitions(LpMetadata metadata, LpPartitionAttributes allowed, string where)
    {
        var owners = new List<(uint Device, ulong Start, ulong End, string Partition)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int p = 0; p < metadata.Partitions.Count; p++)
        {
            LpPartition partition = metadata.Partitions[p];
            string what = $"partition {p} ('{partition.Name}')";
            CheckName(partition.Name, what, where);
            if (!names.Add(partition.Name))
            {
                throw LpMetadataParser.Invalid(where, $"{what}: the name appears twice");
            }
            if ((partition.Attributes & ~allowed) != 0)
            {
                throw LpMetadataParser.Invalid(where, $"{what} has attributes 0x{(uint)partition.Attributes:X} not allowed in metadata 10.{metadata.MinorVersion}");
            }
            ulong lastExtent = (ulong)partition.FirstExtentIndex + partition.ExtentCount;
            if (lastExtent > (ulong)metadata.Extents.Count)
            {
                throw LpMetadataParser.Invalid(where, $"{what} has extents {partition.FirstExtentIndex}..{lastExtent} but the extent table has {metadata.Extents.Count}");
            }
            if (partition.GroupIndex >= metadata.Groups.Count)
            {
                throw LpMetadataParser.Invalid(where, $"{what} is in group {partition.GroupIndex}, but there are {metadata.Groups.Count}");
            }
            for (uint e = partition.FirstExtentIndex; e < lastExtent; e++)
            {
                LpExtent extent = metadata.Extents[(int)e];
                if (extent.Type != LpExtentType.Linear)
                {
                    continue;
                }
                LpBlockDevice device = metadata.BlockDevices[(int)extent.TargetSource];
                ulong start = SectorsToBytes(extent.TargetData);
                ulong length = SectorsToBytes(extent.SectorCount);
                if (start < SectorsToBytes(device.FirstLogicalSector) || start > device.Size || length > device.Size - start)
                {
                    throw LpMetadataParser.Invalid(where, $"{what}: extent {e} (sectors {extent.TargetData}+{extent.SectorCount}) lies outside the usable sectors {device.FirstLogicalSector}..{device.Size / LpFormat.SectorSize} of block device '{device.PartitionName}'");
                }
                owners.Add((extent.TargetSource, start, start + length, partition.Name));
            }
        }
        return owners;
    }

    /// <summary>Partition names become file names when unpacking: printable ASCII, no path separators, not '.' or '..'.</summary>
    private static void CheckName(string name, string what, string where)
    {
        if (name.Length == 0 || name is "." or ".." || name.Any(c => c is <= ' ' or > '~' or '/' or '\\'))
        {
            throw LpMetadataParser.Invalid(where, $"{what} has a name that is empty or not printable ASCII without separators");
        }
    }

    /// <summary>Sectors to bytes, saturating instead of wrapping (a huge untrusted count then fails the bound checks).</summary>
    private static ulong SectorsToBytes(ulong sectors) => sectors > ulong.MaxValue / LpFormat.SectorSize ? ulong.MaxValue : sectors * LpFormat.SectorSize;
}
