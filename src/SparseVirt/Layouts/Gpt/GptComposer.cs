using SparseVirt.BlockSources;
using SparseVirt.Layouts.Composition;

namespace SparseVirt.Layouts.Gpt;

/// <summary>
/// Composes (label, image) pairs into one GPT disk laid out as the Android emulator's <c>mk_combined_img</c> does
/// with <c>dd</c> and <c>sgdisk</c>: 1 MiB before the first partition, each partition its image rounded up to
/// 1 MiB, 1 MiB of padding at the end, every partition of the Linux filesystem type and named by its label, and
/// GUIDs derived from the layout unless given or asked random (<see cref="GptCompositeDefinition.DiskId"/>). The
/// result is a block source: nothing is copied, the partition table is generated, and partition ranges read
/// straight from the inputs, so it can be presented as it is or written in one pass with <see cref="BlockSourceFile"/>.
/// </summary>
public static class GptComposer
{
    /// <summary>The alignment of partitions and the padding before the first and after the last: 1 MiB.</summary>
    public const long Alignment = 1024 * 1024;

    /// <summary>Lays out the disk.</summary>
    /// <exception cref="ArgumentException">There are no partitions, too many, or an empty image.</exception>
    public static GptComposition Compose(GptCompositeDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Partitions.Count == 0)
        {
            throw new ArgumentException("A composed disk needs at least one partition.", nameof(definition));
        }
        var layout = new SegmentLayout();
        var placed = new List<(string Label, long FirstLba, long LastLba, long ImageLength)>();
        long offset = Alignment;
        foreach (GptCompositePartition partition in definition.Partitions)
        {
            if (partition.Image.Length == 0)
            {
                throw new ArgumentException($"The image for '{partition.Label}' is empty; a partition needs at least one byte.", nameof(definition));
            }
            long size = checked((partition.Image.Length + Alignment - 1) / Alignment * Alignment);
            placed.Add((partition.Label, offset / GptFormat.SectorSize, ((offset + size) / GptFormat.SectorSize) - 1, partition.Image.Length));
            layout.AddSource(offset, partition.Image.Length, partition.Image, 0);
            offset = checked(offset + size);
        }
        Guid diskId = definition.DiskId ?? (definition.RandomGuids ? Guid.NewGuid() : GptGuids.Disk(placed));
        var entries = new List<GptPartitionEntry>();
        for (int i = 0; i < placed.Count; i++)
        {
            (string label, long first, long last, _) = placed[i];
            Guid uniqueId = definition.Partitions[i].UniqueId
                ?? (definition.RandomGuids ? Guid.NewGuid() : GptGuids.Partition(diskId, i + 1, label, first, last));
            entries.Add(new GptPartitionEntry(GptPartitionTypes.LinuxFilesystem, uniqueId, first, last, 0, label));
        }
        long length = checked(offset + Alignment);
        long sectors = length / GptFormat.SectorSize;
        long backupEntriesLba = sectors - 1 - GptFormat.EntryArraySectors;
        long firstUsable = 2 + GptFormat.EntryArraySectors;
        long lastUsable = backupEntriesLba - 1;

        byte[] entryArray = GptFormat.EntryArray(entries);
        layout.AddBytes(0, GptFormat.ProtectiveMbr(sectors, definition.BootCode.Span));
        layout.AddBytes(GptFormat.SectorSize, GptFormat.Header(1, sectors - 1, firstUsable, lastUsable, diskId, 2, entryArray));
        layout.AddBytes(2 * GptFormat.SectorSize, entryArray);
        layout.AddBytes(backupEntriesLba * GptFormat.SectorSize, entryArray);
        layout.AddBytes((sectors - 1) * GptFormat.SectorSize, GptFormat.Header(sectors - 1, 1, firstUsable, lastUsable, diskId, backupEntriesLba, entryArray));

        int blockSize = definition.Partitions.Select(p => p.Image.BlockSize).Where(int.IsPow2).DefaultIfEmpty(4096).Min();
        IBlockSource disk = layout.Build(length, Math.Max(blockSize, GptFormat.SectorSize));
        return new GptComposition(new GptTable(diskId, firstUsable, lastUsable, entries, FromBackup: false), disk);
    }
}
