namespace SparseVirt.Layouts.Super;

/// <summary>
/// One slot's liblp metadata, as read (slot suffixes applied) or as to be written: the header's version and flags
/// and the four tables, in table order.
/// </summary>
/// <param name="Geometry">The super partition's geometry.</param>
/// <param name="MinorVersion">The header's minor version (major is always 10): 0, 1 (UPDATED/DISABLED attributes) or 2 (256-byte header with flags).</param>
/// <param name="Flags">The header's flags (metadata 10.2+; none before).</param>
/// <param name="Partitions">The partition table.</param>
/// <param name="Extents">The extent table.</param>
/// <param name="Groups">The group table.</param>
/// <param name="BlockDevices">The block device table; the first entry is the super device.</param>
public sealed record LpMetadata(
    LpGeometry Geometry,
    ushort MinorVersion,
    LpHeaderFlags Flags,
    IReadOnlyList<LpPartition> Partitions,
    IReadOnlyList<LpExtent> Extents,
    IReadOnlyList<LpPartitionGroup> Groups,
    IReadOnlyList<LpBlockDevice> BlockDevices)
{
    /// <summary>The header's major version (always 10).</summary>
    public ushort MajorVersion => LpFormat.MajorVersion;

    /// <summary>The size of the header as written for <see cref="MinorVersion"/>: 128 bytes, or 256 from 10.2 on.</summary>
    public int HeaderSize => MinorVersion >= LpFormat.VersionForExpandedHeader ? LpFormat.HeaderV12Size : LpFormat.HeaderV10Size;

    /// <summary>The super block device (the first block device).</summary>
    public LpBlockDevice SuperDevice => BlockDevices[0];

    /// <summary>The extents of <paramref name="partition"/>, in order.</summary>
    public IEnumerable<LpExtent> ExtentsOf(LpPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        for (uint i = 0; i < partition.ExtentCount; i++)
        {
            yield return Extents[checked((int)(partition.FirstExtentIndex + i))];
        }
    }

    /// <summary>The group <paramref name="partition"/> belongs to.</summary>
    public LpPartitionGroup GroupOf(LpPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return Groups[checked((int)partition.GroupIndex)];
    }

    /// <summary>The size of <paramref name="partition"/> in bytes (the sum of its extents).</summary>
    public ulong SizeOf(LpPartition partition) => ExtentsOf(partition).Aggregate(0UL, (sum, extent) => sum + extent.Length);

    /// <summary>The partition named <paramref name="name"/>, or null.</summary>
    public LpPartition? FindPartition(string name) => Partitions.FirstOrDefault(p => p.Name == name);
}
