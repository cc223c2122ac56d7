using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SparseVirt.Layouts.Super;

/// <summary>
/// Parses liblp's geometry, metadata header and tables from bytes already read (pure: no I/O), checking what AOSP's
/// <c>reader.cpp</c> checks (magic, versions, sizes, SHA-256 checksums, table bounds and entry sizes, attribute
/// masks, extent and group indexes) plus what a reader of untrusted images also needs (extents inside their device
/// and clear of the metadata, no two partitions sharing a sector, safe names). Each failure is an
/// <see cref="InvalidDataException"/> whose message starts with <c>where</c>.
/// </summary>
internal static class LpMetadataParser
{
    /// <summary>The most table bytes read for one metadata copy: bounds the allocation an untrusted header can ask for.</summary>
    public const int MaximumTablesSize = 16 * 1024 * 1024;

    public static LpGeometry ParseGeometry(ReadOnlySpan<byte> bytes, string where)
    {
        if (bytes.Length < LpFormat.GeometryStructSize)
        {
            throw Invalid(where, $"only {bytes.Length} bytes, fewer than the {LpFormat.GeometryStructSize}-byte geometry");
        }
        uint magic = U32(bytes, 0);
        if (magic != LpFormat.GeometryMagic)
        {
            throw Invalid(where, $"bad geometry magic 0x{magic:X8} (expected 0x{LpFormat.GeometryMagic:X8})");
        }
        uint structSize = U32(bytes, 4);
        if (structSize != LpFormat.GeometryStructSize)
        {
            throw Invalid(where, $"geometry struct_size {structSize} (expected {LpFormat.GeometryStructSize})");
        }
        if (!ChecksumMatches(bytes[..LpFormat.GeometryStructSize], 8))
        {
            throw Invalid(where, "geometry checksum (SHA-256) does not match its contents");
        }
        var geometry = new LpGeometry(U32(bytes, 40), U32(bytes, 44), U32(bytes, 48));
        if (geometry.MetadataSlotCount == 0)
        {
            throw Invalid(where, "geometry metadata_slot_count is 0");
        }
        if (geometry.MetadataMaxSize == 0 || geometry.MetadataMaxSize % LpFormat.SectorSize != 0)
        {
            throw Invalid(where, $"geometry metadata_max_size {geometry.MetadataMaxSize} is not a positive multiple of {LpFormat.SectorSize}");
        }
        if (geometry.LogicalBlockSize == 0 || geometry.LogicalBlockSize % LpFormat.SectorSize != 0)
        {
            throw Invalid(where, $"geometry logical_block_size {geometry.LogicalBlockSize} is not a positive multiple of {LpFormat.SectorSize}");
        }
        return geometry;
    }

    /// <summary>The header's size as its first 128 bytes declare it (checked against its version), before the rest is read.</summary>
    public static int ParseHeaderSize(ReadOnlySpan<byte> first128, string where)
    {
        uint magic = U32(first128, 0);
        if (magic != LpFormat.HeaderMagic)
        {
            throw Invalid(where, $"bad metadata header magic 0x{magic:X8} (expected 0x{LpFormat.HeaderMagic:X8})");
        }
        ushort major = U16(first128, 4), minor = U16(first128, 6);
        if (major != LpFormat.MajorVersion || minor > LpFormat.MinorVersionMax)
        {
            throw Invalid(where, $"metadata version {major}.{minor} is not supported (10.0 to 10.{LpFormat.MinorVersionMax})");
        }
        uint headerSize = U32(first128, 8);
        int expected = minor >= LpFormat.VersionForExpandedHeader ? LpFormat.HeaderV12Size : LpFormat.HeaderV10Size;
        if (headerSize != expected)
        {
            throw Invalid(where, $"header_size {headerSize} does not match version 10.{minor} (expected {expected})");
        }
        return expected;
    }

    /// <summary>Checks the whole header (<see cref="ParseHeaderSize"/> bytes) and returns the tables' size and layout.</summary>
    public static LpHeader ParseHeader(ReadOnlySpan<byte> header, LpGeometry geometry, string where)
    {
        ParseHeaderSize(header, where);
        if (!ChecksumMatches(header, 12))
        {
            throw Invalid(where, "header checksum (SHA-256) does not match its contents");
        }
        uint tablesSize = U32(header, 44);
        var parsed = new LpHeader(
            U16(header, 6),
            tablesSize,
            header.Slice(48, 32).ToArray(),
            Descriptor(header, 80, tablesSize, "partitions", LpFormat.PartitionEntrySize, where),
            Descriptor(header, 92, tablesSize, "extents", LpFormat.ExtentEntrySize, where),
            Descriptor(header, 104, tablesSize, "groups", LpFormat.GroupEntrySize, where),
            Descriptor(header, 116, tablesSize, "block_devices", LpFormat.BlockDeviceEntrySize, where),
            header.Length > LpFormat.HeaderV10Size ? (LpHeaderFlags)U32(header, 128) : LpHeaderFlags.None);
        if (tablesSize > geometry.MetadataMaxSize)
        {
            throw Invalid(where, $"tables_size {tablesSize} exceeds the geometry's metadata_max_size {geometry.MetadataMaxSize}");
        }
        if (tablesSize > MaximumTablesSize)
        {
            throw Invalid(where, $"tables_size {tablesSize} exceeds the {MaximumTablesSize} bytes this reader accepts");
        }
        return parsed;
    }

    /// <summary>Checks the tables against the header's checksum and decodes them.</summary>
    public static LpMetadata ParseTables(LpGeometry geometry, LpHeader header, ReadOnlySpan<byte> tables, string where)
    {
        if (!SHA256.HashData(tables).AsSpan().SequenceEqual(header.TablesChecksum))
        {
            throw Invalid(where, "tables checksum (SHA-256) does not match their contents");
        }
        var partitions = new LpPartition[header.Partitions.Count];
        for (int i = 0; i < partitions.Length; i++)
        {
            ReadOnlySpan<byte> entry = header.Partitions.Entry(tables, i);
            partitions[i] = new LpPartition(Name(entry[..LpFormat.NameSize]), (LpPartitionAttributes)U32(entry, 36), U32(entry, 40), U32(entry, 44), U32(entry, 48));
        }
        var extents = new LpExtent[header.Extents.Count];
        for (int i = 0; i < extents.Length; i++)
        {
            ReadOnlySpan<byte> entry = header.Extents.Entry(tables, i);
            extents[i] = new LpExtent(U64(entry, 0), (LpExtentType)U32(entry, 8), U64(entry, 12), U32(entry, 20));
        }
        var groups = new LpPartitionGroup[header.Groups.Count];
        for (int i = 0; i < groups.Length; i++)
        {
            ReadOnlySpan<byte> entry = header.Groups.Entry(tables, i);
            groups[i] = new LpPartitionGroup(Name(entry[..LpFormat.NameSize]), (LpGroupFlags)U32(entry, 36), U64(entry, 40));
        }
        var devices = new LpBlockDevice[header.BlockDevices.Count];
        for (int i = 0; i < devices.Length; i++)
        {
            ReadOnlySpan<byte> entry = header.BlockDevices.Entry(tables, i);
            devices[i] = new LpBlockDevice(U64(entry, 0), U32(entry, 8), U32(entry, 12), U64(entry, 16), Name(entry.Slice(24, LpFormat.NameSize)), (LpBlockDeviceFlags)U32(entry, 60));
        }
        var metadata = new LpMetadata(geometry, header.MinorVersion, header.Flags, partitions, extents, groups, devices);
        LpMetadataValidator.Validate(metadata, where);
        return metadata;
    }

    internal static InvalidDataException Invalid(string where, string what) => new($"{where}: {what}.");

    private static LpTableDescriptor Descriptor(ReadOnlySpan<byte> header, int at, uint tablesSize, string table, int structSize, string where)
    {
        uint offset = U32(header, at), count = U32(header, at + 4), entrySize = U32(header, at + 8);
        if (entrySize != structSize)
        {
            throw Invalid(where, $"{table} table entry_size {entrySize} (expected {structSize})");
        }
        // 64-bit arithmetic: num_entries x entry_size cannot overflow, and neither can the bound it is checked against.
        ulong bytes = (ulong)count * entrySize;
        if (offset > tablesSize || bytes > tablesSize - offset)
        {
            throw Invalid(where, $"{table} table (offset {offset}, {count} entries of {entrySize} bytes) lies outside the {tablesSize} bytes of tables");
        }
        return new LpTableDescriptor(offset, (int)count, structSize);
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> structure, int checksumOffset)
    {
        Span<byte> copy = structure.Length <= 512 ? stackalloc byte[structure.Length] : new byte[structure.Length];
        structure.CopyTo(copy);
        copy.Slice(checksumOffset, 32).Clear();
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(copy, hash);
        return hash.SequenceEqual(structure.Slice(checksumOffset, 32));
    }

    private static string Name(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end < 0 ? field : field[..end]);
    }

    private static ushort U16(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static ulong U64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
}

/// <summary>A metadata header's fields that locate and check the tables.</summary>
internal sealed record LpHeader(
    ushort MinorVersion,
    uint TablesSize,
    byte[] TablesChecksum,
    LpTableDescriptor Partitions,
    LpTableDescriptor Extents,
    LpTableDescriptor Groups,
    LpTableDescriptor BlockDevices,
    LpHeaderFlags Flags);

/// <summary>Where one table lies within the tables (already checked to fit).</summary>
internal readonly record struct LpTableDescriptor(uint Offset, int Count, int EntrySize)
{
    public ReadOnlySpan<byte> Entry(ReadOnlySpan<byte> tables, int index) => tables.Slice((int)Offset + (index * EntrySize), EntrySize);
}
