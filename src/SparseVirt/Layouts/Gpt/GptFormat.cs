using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace SparseVirt.Layouts.Gpt;

/// <summary>
/// The GUID Partition Table's on-disk structures (UEFI specification, chapter 5) with 512-byte sectors, serialized
/// the way <c>sgdisk</c> writes them: a protective MBR, a 92-byte header in LBA 1 and at the last LBA, and a
/// 128-entry array of 128-byte entries after the primary header and before the backup header.
/// </summary>
internal static class GptFormat
{
    public const int SectorSize = 512;
    public const int HeaderSize = 92;
    public const int EntrySize = 128;
    public const int EntryCount = 128;
    public const int EntryArraySectors = EntryCount * EntrySize / SectorSize;
    public const int NameChars = 36;
    public const uint Revision = 0x00010000;
    public const int MaximumEntryArrayBytes = 4 * 1024 * 1024;
    public const int MbrBootCodeSize = 440;

    public static ReadOnlySpan<byte> Signature => "EFI PART"u8;

    /// <summary>
    /// The protective MBR: boot code (zeros unless given), one partition of type 0xEE from LBA 1 over the whole disk
    /// (capped at 2^32-1 sectors), its CHS fields computed for 255 heads and 63 sectors per track as gdisk does.
    /// </summary>
    public static byte[] ProtectiveMbr(long totalSectors, ReadOnlySpan<byte> bootCode)
    {
        byte[] sector = new byte[SectorSize];
        bootCode.CopyTo(sector);
        Span<byte> entry = sector.AsSpan(446, 16);
        entry[0] = 0x00;
        Chs(1).CopyTo(entry[1..]);
        entry[4] = 0xEE;
        long last = Math.Min(totalSectors - 1, uint.MaxValue);
        Chs(last).CopyTo(entry[5..]);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], (uint)last);
        sector[510] = 0x55;
        sector[511] = 0xAA;
        return sector;
    }

    /// <summary>A cylinder/head/sector triple as an MBR stores it; addresses beyond cylinder 1023 become FF FF FF.</summary>
    private static byte[] Chs(long lba)
    {
        const int Heads = 255, Sectors = 63;
        long cylinder = lba / (Heads * Sectors);
        if (cylinder > 1023)
        {
            return [0xFF, 0xFF, 0xFF];
        }
        long remainder = lba % (Heads * Sectors);
        int head = (int)(remainder / Sectors);
        int sector = (int)(remainder % Sectors) + 1;
        return [(byte)head, (byte)(sector | (int)((cylinder >> 2) & 0xC0)), (byte)(cylinder & 0xFF)];
    }

    /// <summary>The partition entry array (<see cref="EntryCount"/> entries, unused ones zero).</summary>
    public static byte[] EntryArray(IReadOnlyList<GptPartitionEntry> partitions)
    {
        if (partitions.Count > EntryCount)
        {
            throw new ArgumentException($"A GPT disk holds at most {EntryCount} partitions; {partitions.Count} were given.", nameof(partitions));
        }
        byte[] array = new byte[EntryCount * EntrySize];
        for (int i = 0; i < partitions.Count; i++)
        {
            GptPartitionEntry partition = partitions[i];
            Span<byte> entry = array.AsSpan(i * EntrySize, EntrySize);
            partition.TypeId.TryWriteBytes(entry);
            partition.UniqueId.TryWriteBytes(entry[16..]);
            BinaryPrimitives.WriteInt64LittleEndian(entry[32..], partition.FirstLba);
            BinaryPrimitives.WriteInt64LittleEndian(entry[40..], partition.LastLba);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[48..], partition.Attributes);
            if (partition.Name.Length > NameChars)
            {
                throw new ArgumentException($"The partition name '{partition.Name}' is longer than {NameChars} UTF-16 code units.", nameof(partitions));
            }
            Encoding.Unicode.GetBytes(partition.Name, entry[56..]);
        }
        return array;
    }

    /// <summary>One header sector (the 92-byte header, then zeros), its CRC32 computed with the CRC field zero.</summary>
    public static byte[] Header(long myLba, long alternateLba, long firstUsable, long lastUsable, Guid diskId, long entriesLba, ReadOnlySpan<byte> entryArray)
    {
        byte[] sector = new byte[SectorSize];
        Span<byte> h = sector;
        Signature.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], Revision);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(h[24..], myLba);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], alternateLba);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], firstUsable);
        BinaryPrimitives.WriteInt64LittleEndian(h[48..], lastUsable);
        diskId.TryWriteBytes(h[56..]);
        BinaryPrimitives.WriteInt64LittleEndian(h[72..], entriesLba);
        BinaryPrimitives.WriteUInt32LittleEndian(h[80..], EntryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(h[84..], EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(h[88..], Crc32.HashToUInt32(entryArray));
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], Crc32.HashToUInt32(h[..HeaderSize]));
        return sector;
    }
}
