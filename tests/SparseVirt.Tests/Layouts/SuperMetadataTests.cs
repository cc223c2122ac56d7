using System.Buffers.Binary;
using System.Security.Cryptography;
using SparseVirt.BlockSources;
using SparseVirt.Layouts.Super;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Layouts;

/// <summary>Metadata versions 10.1 and 10.2, slot suffixes, the backup copies, and malformed metadata refused with a located message.</summary>
public class SuperMetadataTests
{
    private const int PrimarySlot0 = 4096 + 8192;

    private static SuperImageDefinition Definition() => SuperImageDefinition.Default
        .WithDeviceSize(8 * 1024 * 1024)
        .WithMetadataSize(4096)
        .WithMetadataSlots(2)
        .WithGroup("main", 4 * 1024 * 1024)
        .WithPartition("system", LpPartitionAttributes.ReadOnly, 1024 * 1024, "main")
        .WithPartition("vendor", LpPartitionAttributes.None, 8192)
        .WithForceFullImage();

    private static byte[] Build(SuperImageDefinition definition)
    {
        IBlockSource image = SuperImageBuilder.Build(definition).Image;
        byte[] bytes = new byte[image.Length];
        image.Read(0, bytes);
        return bytes;
    }

    [Test]
    public void Metadata_10_2_with_its_256_byte_header_and_flags_round_trips_and_lpunpack_reads_it()
    {
        byte[] bytes = Build(Definition().WithVirtualAb().WithPartition("odm", LpPartitionAttributes.Updated | LpPartitionAttributes.Disabled, 4096));
        SuperImage image = SuperImage.Open(new MemoryBlockSource(bytes));

        Assert.Multiple(() =>
        {
            Assert.That(image.Metadata.MinorVersion, Is.EqualTo(2));
            Assert.That(image.Metadata.HeaderSize, Is.EqualTo(256));
            Assert.That(image.Metadata.Flags, Is.EqualTo(LpHeaderFlags.VirtualAbDevice));
            Assert.That(image.GetPartition("odm").Attributes, Is.EqualTo(LpPartitionAttributes.Updated | LpPartitionAttributes.Disabled));
        });
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("super.raw"), bytes);
        string unpacked = LayoutFixtures.Lpunpack(folder, folder.Combine("super.raw"), "out");
        Assert.That(Directory.GetFiles(unpacked).Select(Path.GetFileName), Is.EquivalentTo(new[] { "system.img", "vendor.img", "odm.img" }));
    }

    [Test]
    public void Metadata_10_1_carries_the_updated_attribute_and_10_0_refuses_it()
    {
        byte[] bytes = Build(Definition().WithPartition("odm", LpPartitionAttributes.Updated, 4096));
        SuperImage image = SuperImage.Open(new MemoryBlockSource(bytes));
        Assert.That(image.Metadata.MinorVersion, Is.EqualTo(1));
        Assert.That(image.Metadata.HeaderSize, Is.EqualTo(128));

        // The same tables declared as 10.0: the UPDATED attribute is not allowed there, in either copy.
        foreach (long copy in new long[] { PrimarySlot0, PrimarySlot0 + (2 * 4096) })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)copy + 6), 0);
            Rehash(bytes, (int)copy);
        }
        var e = Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(bytes)));
        Assert.That(e!.Message, Does.Contain("partition 2 ('odm')").And.Contain("not allowed in metadata 10.0").And.Contain($"offset {PrimarySlot0}"));
    }

    [Test]
    public void Slot_suffixed_names_get_the_slots_suffix()
    {
        byte[] bytes = Build(Definition().WithAutoSlotSuffixing());
        SuperImage a = SuperImage.Open(new MemoryBlockSource(bytes));
        SuperImage b = SuperImage.Open(new MemoryBlockSource(bytes), SuperImageOptions.Default.WithSlot(1));

        Assert.That(a.Metadata.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "system_a", "vendor_a" }));
        Assert.That(b.Metadata.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "system_b", "vendor_b" }));
        Assert.That(b.Metadata.Groups.Select(g => g.Name), Is.EqualTo(new[] { "default", "main_b" }));
        Assert.That(b.Metadata.SuperDevice.PartitionName, Is.EqualTo("super_b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SuperImage.Open(new MemoryBlockSource(bytes), SuperImageOptions.Default.WithSlot(2)));
    }

    [Test]
    public void A_damaged_primary_copy_falls_back_to_the_backup_and_both_damaged_names_both()
    {
        byte[] bytes = Build(Definition());
        bytes[PrimarySlot0 + 128 + 3] ^= 0xFF; // a byte of the primary copy's tables
        bytes[4096 + 44] ^= 0x01;              // metadata_slot_count: the primary geometry's checksum fails

        SuperImage image = SuperImage.Open(new MemoryBlockSource(bytes));
        Assert.That(image.MetadataCopy, Is.EqualTo(LpMetadataCopy.Backup));
        Assert.That(image.Metadata.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "system", "vendor" }));

        bytes[PrimarySlot0 + (2 * 4096) + 128 + 3] ^= 0xFF; // and the backup's
        var e = Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(bytes)));
        Assert.That(e!.Message, Does.Contain("primary metadata at offset 12288: tables checksum").And.Contain("backup metadata at offset 20480: tables checksum"));
    }

    [TestCase("magic", "bad metadata header magic")]
    [TestCase("version", "metadata version 10.3 is not supported")]
    [TestCase("headerChecksum", "header checksum (SHA-256)")]
    [TestCase("entrySize", "extents table entry_size 25")]
    [TestCase("countOverflow", "extents table (offset")]
    [TestCase("tablesSize", "exceeds the geometry's metadata_max_size")]
    [TestCase("extentOutOfRange", "lies outside the usable sectors")]
    [TestCase("extentsOverlap", "have overlapping extents")]
    [TestCase("groupIndex", "is in group 9")]
    [TestCase("extentIndexOverflow", "has extents")]
    public void Malformed_metadata_is_refused_with_what_and_where(string damage, string expected)
    {
        byte[] bytes = Build(Definition());
        foreach (int copy in new[] { PrimarySlot0, PrimarySlot0 + (2 * 4096) })
        {
            Damage(bytes.AsSpan(copy), damage);
        }
        var e = Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(bytes)));
        Assert.That(e!.Message, Does.Contain(expected).And.Contain("slot 0 primary metadata at offset 12288").And.Contain("backup metadata at offset 20480"));
    }

    [Test]
    public void Geometry_damage_truncation_and_a_short_image_are_refused_with_what_and_where()
    {
        byte[] bytes = Build(Definition());
        byte[] noGeometry = (byte[])bytes.Clone();
        noGeometry[4096] ^= 1;
        noGeometry[8192] ^= 1;
        Assert.That(Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(noGeometry)))!.Message,
            Does.Contain("geometry at offset 4096: bad geometry magic").And.Contain("backup geometry at offset 8192"));
        Assert.That(Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(bytes.AsMemory(0, 6 * 1024 * 1024))))!.Message,
            Does.Contain("truncated"));
        Assert.That(Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(bytes.AsMemory(0, 16384))))!.Message,
            Does.Contain("extends beyond the image's 16384 bytes"));
        Assert.That(Assert.Throws<InvalidDataException>(() => SuperImage.Open(new MemoryBlockSource(new byte[4096])))!.Message,
            Does.Contain("too short"));
    }

    /// <summary>Damages one metadata copy (header at 0, tables after 128 bytes) and fixes its checksums so only the intended check fails.</summary>
    private static void Damage(Span<byte> copy, string damage)
    {
        Span<byte> tables = copy[128..];
        // Tables: 2 partitions (52 bytes each), then the extents (24 bytes each).
        int extents = 2 * 52;
        switch (damage)
        {
            case "magic": copy[0] ^= 1; return;
            case "version": BinaryPrimitives.WriteUInt16LittleEndian(copy[6..], 3); break;
            case "headerChecksum": copy[44] ^= 1; return;
            case "entrySize": BinaryPrimitives.WriteUInt32LittleEndian(copy[(92 + 8)..], 25); break;
            case "countOverflow": BinaryPrimitives.WriteUInt32LittleEndian(copy[(92 + 4)..], 0xFFFFFFFF); break;
            case "tablesSize": BinaryPrimitives.WriteUInt32LittleEndian(copy[44..], 1 << 20); break;
            case "extentOutOfRange": BinaryPrimitives.WriteUInt64LittleEndian(tables[(extents + 12)..], 16383); RehashTables(copy); break;
            case "extentsOverlap": BinaryPrimitives.WriteUInt64LittleEndian(tables[(extents + 24 + 12)..], BinaryPrimitives.ReadUInt64LittleEndian(tables[(extents + 12)..]) + 8); RehashTables(copy); break;
            case "groupIndex": BinaryPrimitives.WriteUInt32LittleEndian(tables[48..], 9); RehashTables(copy); break;
            case "extentIndexOverflow": BinaryPrimitives.WriteUInt32LittleEndian(tables[40..], 0xFFFFFFFF); RehashTables(copy); break;
            default: throw new ArgumentOutOfRangeException(nameof(damage));
        }
        RehashHeader(copy);
    }

    private static void RehashTables(Span<byte> copy)
    {
        int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(copy[44..]);
        SHA256.HashData(copy.Slice(128, size)).CopyTo(copy[48..]);
    }

    private static void RehashHeader(Span<byte> copy)
    {
        copy.Slice(12, 32).Clear();
        SHA256.HashData(copy[..128]).CopyTo(copy[12..]);
    }

    private static void Rehash(byte[] bytes, int copy) => RehashHeader(bytes.AsSpan(copy));
}
