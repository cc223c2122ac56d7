using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// One node of an extent tree (<c>struct ext4_extent_header</c> and its entries), in the inode's <c>i_block</c> or in
/// a block of its own: a leaf's entries are extents, an index node's point at the nodes one level down.
/// </summary>
internal readonly ref struct Ext4ExtentNode
{
    public const ushort Magic = 0xF30A;
    public const int MaxDepth = 5;
    private const int HeaderSize = 12;
    private const int EntrySize = 12;
    private const int InitializedLengthLimit = 32768;

    private readonly ReadOnlySpan<byte> _raw;

    private Ext4ExtentNode(ReadOnlySpan<byte> raw, int entries, int max, int depth)
    {
        _raw = raw;
        Entries = entries;
        Max = max;
        Depth = depth;
    }

    public int Entries { get; }

    public int Max { get; }

    public int Depth { get; }

    /// <summary>Where a block's <c>ext4_extent_tail</c> (its checksum) lies: just after the <c>eh_max</c> entries.</summary>
    public int TailOffset => HeaderSize + (EntrySize * Max);

    /// <summary>Parses a node's header and checks its entries fit <paramref name="raw"/>.</summary>
    /// <exception cref="InvalidDataException">No magic, too many entries, or an impossible depth; named by <paramref name="where"/>.</exception>
    public static Ext4ExtentNode Parse(ReadOnlySpan<byte> raw, string where)
    {
        if (raw.Length < HeaderSize || BinaryPrimitives.ReadUInt16LittleEndian(raw) != Magic)
        {
            throw new InvalidDataException($"{where}: no extent header magic 0xF30A.");
        }
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]);
        int max = BinaryPrimitives.ReadUInt16LittleEndian(raw[4..]);
        int depth = BinaryPrimitives.ReadUInt16LittleEndian(raw[6..]);
        if (max == 0 || entries > max || HeaderSize + (EntrySize * max) > raw.Length)
        {
            throw new InvalidDataException($"{where}: extent header with {entries} entries of at most {max} does not fit {raw.Length} bytes.");
        }
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"{where}: extent tree depth {depth} is over the limit of {MaxDepth}.");
        }
        return new Ext4ExtentNode(raw, entries, max, depth);
    }

    /// <summary>The first logical block an entry (extent or index) covers.</summary>
    public uint LogicalBlock(int index) => BinaryPrimitives.ReadUInt32LittleEndian(Entry(index));

    /// <summary>A leaf entry: its length in blocks, whether it is unwritten (reads as zeros), and its first physical block.</summary>
    public (int Length, bool Unwritten, ulong Physical) Extent(int index)
    {
        ReadOnlySpan<byte> entry = Entry(index);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]);
        ulong start = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]) << 32);
        return length > InitializedLengthLimit ? (length - InitializedLengthLimit, true, start) : (length, false, start);
    }

    /// <summary>An index entry's child node block.</summary>
    public ulong Child(int index)
    {
        ReadOnlySpan<byte> entry = Entry(index);
        return BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]) << 32);
    }

    private ReadOnlySpan<byte> Entry(int index) => _raw.Slice(HeaderSize + (EntrySize * index), EntrySize);
}
