namespace SparseVirt.Layouts.Gpt;

/// <summary>One GPT partition entry.</summary>
/// <param name="TypeId">The partition type GUID (<see cref="GptPartitionTypes"/>).</param>
/// <param name="UniqueId">The partition's own GUID.</param>
/// <param name="FirstLba">Its first 512-byte sector.</param>
/// <param name="LastLba">Its last sector (inclusive).</param>
/// <param name="Attributes">The attribute bits.</param>
/// <param name="Name">Its name (the label; at most 36 UTF-16 code units).</param>
public sealed record GptPartitionEntry(Guid TypeId, Guid UniqueId, long FirstLba, long LastLba, ulong Attributes, string Name)
{
    /// <summary>The partition's first byte on the disk.</summary>
    public long Offset => FirstLba * GptFormat.SectorSize;

    /// <summary>The partition's length in bytes.</summary>
    public long Length => (LastLba - FirstLba + 1) * GptFormat.SectorSize;
}

/// <summary>Partition type GUIDs the composer uses.</summary>
public static class GptPartitionTypes
{
    /// <summary>Linux filesystem data (sgdisk's type code 8300), which the emulator's combined image uses for every partition.</summary>
    public static Guid LinuxFilesystem { get; } = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
}

/// <summary>A GPT disk's table as read or composed.</summary>
/// <param name="DiskId">The disk GUID.</param>
/// <param name="FirstUsableLba">The first sector partitions may use.</param>
/// <param name="LastUsableLba">The last sector partitions may use.</param>
/// <param name="Partitions">The used entries, in entry-array order.</param>
/// <param name="FromBackup">True when the primary header was damaged and the backup one was read.</param>
public sealed record GptTable(Guid DiskId, long FirstUsableLba, long LastUsableLba, IReadOnlyList<GptPartitionEntry> Partitions, bool FromBackup);
