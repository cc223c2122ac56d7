using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.BlockSources;
using SparseVirt.Layouts.Composition;

namespace SparseVirt.Layouts.Gpt;

/// <summary>
/// An existing GPT disk read from a block source: its table (the primary header, or the backup at the last sector
/// when the primary fails a check; both CRC32s verified) and each partition as a block source of its own.
/// </summary>
public sealed class GptDisk
{
    private GptDisk(IBlockSource source, GptTable table)
    {
        Source = source;
        Table = table;
    }

    /// <summary>The disk's bytes.</summary>
    public IBlockSource Source { get; }

    /// <summary>The partition table.</summary>
    public GptTable Table { get; }

    /// <summary>Reads the table of the GPT disk in <paramref name="source"/>.</summary>
    /// <param name="source">The disk (512-byte sectors).</param>
    /// <param name="logger">Receives a warning when the backup header had to be used.</param>
    /// <exception cref="InvalidDataException">Neither header is a valid GPT header, or the entries are inconsistent: the message says what and where.</exception>
    public static GptDisk Open(IBlockSource source, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        long sectors = source.Length / GptFormat.SectorSize;
        if (sectors < 3)
        {
            throw new InvalidDataException($"Not a GPT disk: {source.Length} bytes is too small to hold a protective MBR and a header.");
        }
        try
        {
            return new GptDisk(source, ReadTable(source, 1, sectors, fromBackup: false));
        }
        catch (InvalidDataException primary)
        {
            GptTable backup;
            try
            {
                backup = ReadTable(source, sectors - 1, sectors, fromBackup: true);
            }
            catch (InvalidDataException second)
            {
                throw new InvalidDataException($"Not a GPT disk, or its tables are damaged: {primary.Message} {second.Message}", second);
            }
            LayoutsLog.UsingBackupGpt(logger ?? NullLogger.Instance, primary.Message);
            return new GptDisk(source, backup);
        }
    }

    /// <summary>The partition whose name is <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No partition has that name.</exception>
    public GptPartitionEntry GetPartition(string name) =>
        Table.Partitions.FirstOrDefault(p => p.Name == name)
        ?? throw new KeyNotFoundException($"The disk has no partition named '{name}' (it has: {string.Join(", ", Table.Partitions.Select(p => p.Name))}).");

    /// <summary>The contents of <paramref name="partition"/> as a block source over <see cref="Source"/>.</summary>
    public IBlockSource OpenPartition(GptPartitionEntry partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return new SegmentedBlockSource([BlockSegment.FromSource(0, partition.Length, Source, partition.Offset)], Math.Max(Source.BlockSize, GptFormat.SectorSize));
    }

    private static GptTable ReadTable(IBlockSource source, long headerLba, long sectors, bool fromBackup)
    {
        string where = $"{(fromBackup ? "backup" : "primary")} GPT header at LBA {headerLba}";
        byte[] sector = new byte[GptFormat.SectorSize];
        source.Read(headerLba * GptFormat.SectorSize, sector);
        if (!sector.AsSpan(0, 8).SequenceEqual(GptFormat.Signature))
        {
            throw Invalid(where, "no 'EFI PART' signature");
        }
        uint headerSize = U32(sector, 12);
        if (headerSize < GptFormat.HeaderSize || headerSize > GptFormat.SectorSize)
        {
            throw Invalid(where, $"header size {headerSize} is outside {GptFormat.HeaderSize}..{GptFormat.SectorSize}");
        }
        uint storedCrc = U32(sector, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(sector.AsSpan(16), 0);
        uint actualCrc = Crc32.HashToUInt32(sector.AsSpan(0, (int)headerSize));
        if (storedCrc != actualCrc)
        {
            throw Invalid(where, $"header CRC32 0x{storedCrc:X8} does not match its contents (0x{actualCrc:X8})");
        }
        long myLba = I64(sector, 24), firstUsable = I64(sector, 40), lastUsable = I64(sector, 48), entriesLba = I64(sector, 72);
        uint count = U32(sector, 80), entrySize = U32(sector, 84), arrayCrc = U32(sector, 88);
        if (myLba != headerLba)
        {
            throw Invalid(where, $"the header says it lies at LBA {myLba}");
        }
        if (firstUsable < 2 || lastUsable < firstUsable || lastUsable >= sectors)
        {
            throw Invalid(where, $"usable sectors {firstUsable}..{lastUsable} do not fit a disk of {sectors} sectors");
        }
        if (entrySize < GptFormat.EntrySize || entrySize % 8 != 0 || (ulong)count * entrySize > GptFormat.MaximumEntryArrayBytes)
        {
            throw Invalid(where, $"{count} entries of {entrySize} bytes is not a valid entry array (entries of at least 128 bytes, a multiple of 8; at most {GptFormat.MaximumEntryArrayBytes} bytes)");
        }
        int arrayBytes = (int)(count * entrySize);
        if (entriesLba < 2 || entriesLba > sectors || (arrayBytes + GptFormat.SectorSize - 1) / GptFormat.SectorSize > sectors - entriesLba)
        {
            throw Invalid(where, $"the entry array at LBA {entriesLba} ({arrayBytes} bytes) lies outside the disk's {sectors} sectors");
        }
        byte[] array = new byte[arrayBytes];
        source.Read(entriesLba * GptFormat.SectorSize, array);
        if (Crc32.HashToUInt32(array) != arrayCrc)
        {
            throw Invalid(where, $"the entry array's CRC32 does not match (header says 0x{arrayCrc:X8})");
        }

        List<GptPartitionEntry> partitions = ParseEntries(array, count, (int)entrySize, firstUsable, lastUsable, where);
        return new GptTable(new Guid(sector.AsSpan(56, 16)), firstUsable, lastUsable, partitions, fromBackup);
    }

    /// <summary>The used entries of the array, each inside the usable sectors and none overlapping another.</summary>
    private static List<GptPartitionEntry> ParseEntries(byte[] array, uint count, int entrySize, long firstUsable, long lastUsable, string where)
    {
        var partitions = new List<GptPartitionEntry>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = array.AsSpan(i * entrySize, GptFormat.EntrySize);
            var type = new Guid(entry[..16]);
            if (type == Guid.Empty)
            {
                continue;
            }
            long first = I64(entry, 32), last = I64(entry, 40);
            if (first < firstUsable || last < first || last > lastUsable)
            {
                throw Invalid(where, $"entry {i + 1} spans LBA {first}..{last}, outside the usable {firstUsable}..{lastUsable}");
            }
            string name = Encoding.Unicode.GetString(entry.Slice(56, GptFormat.NameChars * 2)).Split('\0')[0];
            partitions.Add(new GptPartitionEntry(type, new Guid(entry.Slice(16, 16)), first, last, BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]), name));
        }
        var ordered = partitions.OrderBy(p => p.FirstLba).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].FirstLba <= ordered[i - 1].LastLba)
            {
                throw Invalid(where, $"partitions '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap at LBA {ordered[i].FirstLba}");
            }
        }
        return partitions;
    }

    private static InvalidDataException Invalid(string where, string what) => new($"{where}: {what}.");

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static long I64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadInt64LittleEndian(bytes[at..]);
}
