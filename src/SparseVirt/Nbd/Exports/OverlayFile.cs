using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Nbd.Exports;

/// <summary>
/// The on-disk form of a persistent NBD overlay (<c>serve --writable --overlay FILE</c>), version 1, all little-endian:
/// <list type="bullet">
/// <item>a 4 KiB header: magic <c>SVNBDOVL</c>, version, block granularity, the base's length, where the data and the
/// map slots are, the base's content identity (XxHash128, <see cref="BlockSourceIdentity"/>), and an XxHash64 of the
/// header's first 4088 bytes in its last 8;</item>
/// <item>the data: the export's bytes at their own offsets after the header, a sparse region holding written blocks;</item>
/// <item>two map slots, each a sequence number, an XxHash64 of the sequence and the map, and the map (one byte per
/// block, <see cref="BlockState"/>).</item>
/// </list>
/// A flush fsyncs the data, then writes the map into the older slot with the next sequence number and fsyncs again;
/// opening takes the valid slot with the higher number. So a process killed at any moment leaves the map of the last
/// completed flush, whose blocks were on disk before it: every write acknowledged after a flush (or with FUA) is found
/// again. Nothing read from the file sizes an allocation: every field is checked against the base first.
/// </summary>
internal sealed class OverlayFile
{
    public const int HeaderSize = 4096;
    private const int Version = 1;
    private const int SlotHeaderSize = 16;
    private static ReadOnlySpan<byte> Magic => "SVNBDOVL"u8;

    private readonly SafeFileHandle _file;
    private readonly long _slotOffset;
    private readonly long _slotSize;
    private long _sequence;

    private OverlayFile(SafeFileHandle file, long slotOffset, long slotSize, long sequence)
    {
        _file = file;
        _slotOffset = slotOffset;
        _slotSize = slotSize;
        _sequence = sequence;
    }

    /// <summary>Where the data starts: each export byte <c>x</c> is at <c>DataOffset + x</c>.</summary>
    public static long DataOffset => HeaderSize;

    /// <summary>
    /// Opens <paramref name="path"/> as the overlay of a base of <paramref name="length"/> bytes with identity
    /// <paramref name="identity"/>, filling <paramref name="map"/> from its last flush; creates it when missing.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but is not such an overlay, is damaged, or was made over another base; it is not changed.</exception>
    public static (OverlayFile Store, SafeFileHandle Handle) OpenOrCreate(string path, long length, int granularity, UInt128 identity, Span<byte> map)
    {
        long blocks = map.Length;
        long slotOffset = DataOffset + RoundUp(length, HeaderSize);
        long slotSize = RoundUp(SlotHeaderSize + blocks, HeaderSize);
        if (!File.Exists(path))
        {
            return Create(path, length, granularity, identity, slotOffset, slotSize);
        }
        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long sequence = Load(file, path, length, granularity, identity, slotOffset, slotSize, map);
            return (new OverlayFile(file, slotOffset, slotSize, sequence), file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Persists <paramref name="map"/> as the state of the last flush: fsync the data, write the older slot, fsync.</summary>
    public void Commit(ReadOnlySpan<byte> map)
    {
        RandomAccess.FlushToDisk(_file);
        long sequence = ++_sequence;
        byte[] slot = new byte[SlotHeaderSize + map.Length];
        BinaryPrimitives.WriteInt64LittleEndian(slot, sequence);
        map.CopyTo(slot.AsSpan(SlotHeaderSize));
        BinaryPrimitives.WriteUInt64LittleEndian(slot.AsSpan(8), SlotHash(slot));
        RandomAccess.Write(_file, slot, _slotOffset + ((sequence & 1) * _slotSize));
        RandomAccess.FlushToDisk(_file);
    }

    private static (OverlayFile, SafeFileHandle) Create(string path, long length, int granularity, UInt128 identity, long slotOffset, long slotSize)
    {
        // CreateNew: a file that appeared meanwhile holds someone's writes and is never overwritten.
        SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            byte[] header = new byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Version);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), granularity);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), length);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), DataOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), slotOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), slotSize);
            BinaryPrimitives.WriteUInt128LittleEndian(header.AsSpan(48), identity);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(HeaderSize - 8), XxHash64.HashToUInt64(header.AsSpan(0, HeaderSize - 8)));
            RandomAccess.SetLength(file, slotOffset + (2 * slotSize));
            RandomAccess.Write(file, header, 0);
            RandomAccess.FlushToDisk(file);
            // The new file's name is durable too.
            FolderSync.OfFile(path);
            return (new OverlayFile(file, slotOffset, slotSize, 0), file);
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    private static long Load(SafeFileHandle file, string path, long length, int granularity, UInt128 identity, long slotOffset, long slotSize, Span<byte> map)
    {
        CheckHeader(file, path, length, granularity, identity, slotOffset, slotSize);
        return LoadNewestSlot(file, path, slotOffset, slotSize, map);
    }

    private static void CheckHeader(SafeFileHandle file, string path, long length, int granularity, UInt128 identity, long slotOffset, long slotSize)
    {
        byte[] header = new byte[HeaderSize];
        if (RandomAccess.Read(file, header, 0) < HeaderSize || !header.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw Refused(path, "it is not a SparseVirt NBD overlay (no SVNBDOVL header)");
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(HeaderSize - 8)) != XxHash64.HashToUInt64(header.AsSpan(0, HeaderSize - 8)))
        {
            throw Refused(path, "its header is damaged (checksum mismatch at byte 4088)");
        }
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        if (version != Version)
        {
            throw Refused(path, $"its header has version {version}; this build reads version {Version}");
        }
        long madeLength = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        UInt128 madeIdentity = BinaryPrimitives.ReadUInt128LittleEndian(header.AsSpan(48));
        if (madeLength != length || madeIdentity != identity)
        {
            throw Refused(path, madeLength != length
                ? $"it was made over a base of {madeLength} bytes, and this base has {length}"
                : $"it was made over another base (content identity {madeIdentity:X32}, this base's is {identity:X32})");
        }
        if (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12)) != granularity
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24)) != DataOffset
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(32)) != slotOffset
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(40)) != slotSize)
        {
            throw Refused(path, "its header's granularity or layout (bytes 12-47) does not match the base's");
        }
        if (RandomAccess.GetLength(file) < slotOffset + (2 * slotSize))
        {
            throw Refused(path, $"it is {RandomAccess.GetLength(file)} bytes, shorter than its layout's {slotOffset + (2 * slotSize)}");
        }
    }

    private static long LoadNewestSlot(SafeFileHandle file, string path, long slotOffset, long slotSize, Span<byte> map)
    {
        byte[] slot = new byte[SlotHeaderSize + map.Length];
        long best = 0;
        bool torn = false;
        for (int index = 0; index < 2; index++)
        {
            long offset = slotOffset + (index * slotSize);
            if (RandomAccess.Read(file, slot, offset) < slot.Length)
            {
                throw Refused(path, $"map slot {index} at byte {offset} is cut short");
            }
            long sequence = BinaryPrimitives.ReadInt64LittleEndian(slot);
            if (sequence == 0)
            {
                continue;
            }
            // A slot being written when the process died fails its hash; the other slot is the last complete flush.
            bool valid = sequence > 0 && BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8)) == SlotHash(slot)
                && !slot.AsSpan(SlotHeaderSize).ContainsAnyExceptInRange((byte)BlockState.Base, (byte)BlockState.Zero);
            torn |= !valid;
            if (valid && sequence > best)
            {
                best = sequence;
                slot.AsSpan(SlotHeaderSize).CopyTo(map);
            }
        }
        if (best == 0 && torn)
        {
            throw Refused(path, "both of its map slots are damaged");
        }
        return best;
    }

    private static ulong SlotHash(ReadOnlySpan<byte> slot)
    {
        var hash = new XxHash64();
        hash.Append(slot[..8]);
        hash.Append(slot[SlotHeaderSize..]);
        return hash.GetCurrentHashAsUInt64();
    }

    private static InvalidDataException Refused(string path, string why) =>
        new($"The NBD overlay '{path}' is refused and left as it is: {why}. Use another overlay file, or start this one over with NbdExport.WithOverlayReset (the old file is kept as NAME.bak-TIMESTAMP).");

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
}
