namespace SparseVirt.Layouts.Super;

/// <summary>
/// The constants of AOSP's liblp on-disk format (<c>metadata_format.h</c>): where the geometry and metadata copies
/// live in a super partition, and the sizes of the packed structures.
/// </summary>
internal static class LpFormat
{
    public const uint GeometryMagic = 0x616c4467;
    public const uint HeaderMagic = 0x414C5030;
    public const int GeometrySize = 4096;
    public const int GeometryStructSize = 52;
    public const ushort MajorVersion = 10;
    public const ushort MinorVersionMax = 2;
    public const ushort VersionForUpdatedAttributes = 1;
    public const ushort VersionForExpandedHeader = 2;
    public const int HeaderV10Size = 128;
    public const int HeaderV12Size = 256;
    public const int SectorSize = 512;
    public const int ReservedBytes = 4096;
    public const int PartitionEntrySize = 52;
    public const int ExtentEntrySize = 24;
    public const int GroupEntrySize = 48;
    public const int BlockDeviceEntrySize = 64;
    public const int NameSize = 36;
    public const uint DefaultAlignment = 1024 * 1024;
    public const string DefaultGroupName = "default";
    public const string DefaultSuperName = "super";

    public const long PrimaryGeometryOffset = ReservedBytes;
    public const long BackupGeometryOffset = ReservedBytes + GeometrySize;

    public static long PrimaryMetadataOffset(LpGeometry geometry, uint slot) =>
        ReservedBytes + (GeometrySize * 2L) + ((long)geometry.MetadataMaxSize * slot);

    public static long BackupMetadataOffset(LpGeometry geometry, uint slot) =>
        ReservedBytes + (GeometrySize * 2L) + ((long)geometry.MetadataMaxSize * geometry.MetadataSlotCount) + ((long)geometry.MetadataMaxSize * slot);

    /// <summary>The reserved bytes, both geometry copies and every primary and backup metadata slot.</summary>
    public static long TotalMetadataSize(uint metadataMaxSize, uint slotCount) =>
        ReservedBytes + ((GeometrySize + ((long)metadataMaxSize * slotCount)) * 2);

    /// <summary>The slot suffix liblp appends to slot-suffixed names (AOSP only knows two slots).</summary>
    public static string? SlotSuffix(uint slot) => slot switch { 0 => "_a", 1 => "_b", _ => null };

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="alignment"/> (0: unchanged), as liblp's AlignTo.</summary>
    public static ulong AlignTo(ulong value, uint alignment)
    {
        if (alignment == 0)
        {
            return value;
        }
        ulong remainder = value % alignment;
        return remainder == 0 ? value : value + (alignment - remainder);
    }

    /// <summary>liblp's AlignTo with an alignment offset: <paramref name="value"/> is aligned once the offset is added.</summary>
    public static ulong AlignTo(ulong value, uint alignment, uint alignmentOffset)
    {
        ulong aligned = AlignTo(value, alignment) + alignmentOffset;
        return aligned - alignment >= value ? aligned - alignment : aligned;
    }
}
