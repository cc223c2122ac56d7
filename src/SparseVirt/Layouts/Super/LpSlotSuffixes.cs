namespace SparseVirt.Layouts.Super;

/// <summary>
/// Applies a slot's suffix to slot-suffixed partitions, groups and block devices and clears the flag, as AOSP's
/// reader does for the slot it reads (<c>AdjustMetadataForSlot</c>).
/// </summary>
internal static class LpSlotSuffixes
{
    public static LpMetadata Apply(LpMetadata metadata, uint slot)
    {
        bool any = metadata.Partitions.Any(p => p.Attributes.HasFlag(LpPartitionAttributes.SlotSuffixed))
            || metadata.Groups.Any(g => g.Flags.HasFlag(LpGroupFlags.SlotSuffixed))
            || metadata.BlockDevices.Any(d => d.Flags.HasFlag(LpBlockDeviceFlags.SlotSuffixed));
        if (!any)
        {
            return metadata;
        }
        string suffix = LpFormat.SlotSuffix(slot)
            ?? throw new InvalidDataException($"Slot {slot} has slot-suffixed names, but only slots 0 (_a) and 1 (_b) have a suffix.");
        return metadata with
        {
            Partitions = metadata.Partitions.Select(p => p.Attributes.HasFlag(LpPartitionAttributes.SlotSuffixed)
                ? p with { Name = Suffixed(p.Name, suffix, "partition"), Attributes = p.Attributes & ~LpPartitionAttributes.SlotSuffixed }
                : p).ToArray(),
            Groups = metadata.Groups.Select(g => g.Flags.HasFlag(LpGroupFlags.SlotSuffixed)
                ? g with { Name = Suffixed(g.Name, suffix, "group"), Flags = g.Flags & ~LpGroupFlags.SlotSuffixed }
                : g).ToArray(),
            BlockDevices = metadata.BlockDevices.Select(d => d.Flags.HasFlag(LpBlockDeviceFlags.SlotSuffixed)
                ? d with { PartitionName = Suffixed(d.PartitionName, suffix, "block device"), Flags = d.Flags & ~LpBlockDeviceFlags.SlotSuffixed }
                : d).ToArray(),
        };
    }

    private static string Suffixed(string name, string suffix, string what)
    {
        string result = name + suffix;
        return result.Length <= LpFormat.NameSize
            ? result
            : throw new InvalidDataException($"The {what} name '{result}' is longer than {LpFormat.NameSize} characters once slot-suffixed.");
    }
}
