using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SparseVirt.Layouts.Super;

/// <summary>Serializes liblp geometry and metadata exactly as AOSP's <c>writer.cpp</c> lays them out.</summary>
internal static class LpMetadataWriter
{
    /// <summary>The geometry block: the 52-byte structure with its SHA-256, zero-padded to 4096 bytes.</summary>
    public static byte[] SerializeGeometry(LpGeometry geometry)
    {
        byte[] block = new byte[LpFormat.GeometrySize];
        Span<byte> s = block;
        BinaryPrimitives.WriteUInt32LittleEndian(s, LpFormat.GeometryMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], LpFormat.GeometryStructSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], geometry.MetadataMaxSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[44..], geometry.MetadataSlotCount);
        BinaryPrimitives.WriteUInt32LittleEndian(s[48..], geometry.LogicalBlockSize);
        // Hashed into a separate buffer: the checksum field lies inside the hashed bytes (zero while hashing).
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(s[..LpFormat.GeometryStructSize], hash);
        hash.CopyTo(s.Slice(8, 32));
        return block;
    }

    /// <summary>The metadata blob: the header (128 or 256 bytes by version) followed by the four tables, checksummed.</summary>
    public static byte[] SerializeMetadata(LpMetadata metadata)
    {
        int headerSize = metadata.HeaderSize;
        int partitionsBytes = metadata.Partitions.Count * LpFormat.PartitionEntrySize;
        int extentsBytes = metadata.Extents.Count * LpFormat.ExtentEntrySize;
        int groupsBytes = metadata.Groups.Count * LpFormat.GroupEntrySize;
        int devicesBytes = metadata.BlockDevices.Count * LpFormat.BlockDeviceEntrySize;
        int tablesSize = partitionsBytes + extentsBytes + groupsBytes + devicesBytes;
        byte[] blob = new byte[headerSize + tablesSize];
        Span<byte> tables = blob.AsSpan(headerSize);

        WriteTables(metadata, tables);

        Span<byte> h = blob.AsSpan(0, headerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h, LpFormat.HeaderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], LpFormat.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], metadata.MinorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)headerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h[44..], (uint)tablesSize);
        SHA256.HashData(tables, h.Slice(48, 32));
        Descriptor(h[80..], 0, metadata.Partitions.Count, LpFormat.PartitionEntrySize);
        Descriptor(h[92..], partitionsBytes, metadata.Extents.Count, LpFormat.ExtentEntrySize);
        Descriptor(h[104..], partitionsBytes + extentsBytes, metadata.Groups.Count, LpFormat.GroupEntrySize);
        Descriptor(h[116..], partitionsBytes + extentsBytes + groupsBytes, metadata.BlockDevices.Count, LpFormat.BlockDeviceEntrySize);
        if (headerSize > LpFormat.HeaderV10Size)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(h[128..], (uint)metadata.Flags);
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(h, hash);
        hash.CopyTo(h.Slice(12, 32));
        return blob;
    }

    /// <summary>Writes the four tables back to back: partitions, extents, groups, block devices.</summary>
    private static void WriteTables(LpMetadata metadata, Span<byte> tables)
    {
        int at = 0;
        foreach (LpPartition partition in metadata.Partitions)
        {
            Span<byte> e = tables.Slice(at, LpFormat.PartitionEntrySize);
            Name(e, partition.Name);
            BinaryPrimitives.WriteUInt32LittleEndian(e[36..], (uint)partition.Attributes);
            BinaryPrimitives.WriteUInt32LittleEndian(e[40..], partition.FirstExtentIndex);
            BinaryPrimitives.WriteUInt32LittleEndian(e[44..], partition.ExtentCount);
            BinaryPrimitives.WriteUInt32LittleEndian(e[48..], partition.GroupIndex);
            at += LpFormat.PartitionEntrySize;
        }
        foreach (LpExtent extent in metadata.Extents)
        {
            Span<byte> e = tables.Slice(at, LpFormat.ExtentEntrySize);
            BinaryPrimitives.WriteUInt64LittleEndian(e, extent.SectorCount);
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], (uint)extent.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(e[12..], extent.TargetData);
            BinaryPrimitives.WriteUInt32LittleEndian(e[20..], extent.TargetSource);
            at += LpFormat.ExtentEntrySize;
        }
        foreach (LpPartitionGroup group in metadata.Groups)
        {
            Span<byte> e = tables.Slice(at, LpFormat.GroupEntrySize);
            Name(e, group.Name);
            BinaryPrimitives.WriteUInt32LittleEndian(e[36..], (uint)group.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(e[40..], group.MaximumSize);
            at += LpFormat.GroupEntrySize;
        }
        foreach (LpBlockDevice device in metadata.BlockDevices)
        {
            Span<byte> e = tables.Slice(at, LpFormat.BlockDeviceEntrySize);
            BinaryPrimitives.WriteUInt64LittleEndian(e, device.FirstLogicalSector);
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], device.Alignment);
            BinaryPrimitives.WriteUInt32LittleEndian(e[12..], device.AlignmentOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(e[16..], device.Size);
            Name(e.Slice(24, LpFormat.NameSize), device.PartitionName);
            BinaryPrimitives.WriteUInt32LittleEndian(e[60..], (uint)device.Flags);
            at += LpFormat.BlockDeviceEntrySize;
        }
    }

    private static void Descriptor(Span<byte> at, int offset, int count, int entrySize)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(at[4..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(at[8..], (uint)entrySize);
    }

    private static void Name(Span<byte> field, string name)
    {
        if (Encoding.ASCII.GetByteCount(name) > LpFormat.NameSize || name.Any(c => c > '~'))
        {
            throw new ArgumentException($"The name '{name}' is not ASCII of at most {LpFormat.NameSize} characters.", nameof(name));
        }
        Encoding.ASCII.GetBytes(name, field);
    }
}
