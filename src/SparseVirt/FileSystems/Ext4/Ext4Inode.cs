using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// One decoded ext4 inode (<c>struct ext4_inode</c>): what every node has, the 60-byte <c>i_block</c> area (an
/// extent tree root, a block map, a fast symlink's target, or inline data) and the in-inode extended attribute area.
/// </summary>
internal sealed record Ext4Inode(
    uint Number,
    ushort Mode,
    uint UserId,
    uint GroupId,
    long Size,
    long ModifiedSeconds,
    uint ModifiedNanoseconds,
    ushort LinkCount,
    uint Flags,
    byte[] BlockArea,
    ulong AttributeBlock,
    ulong BlockCount512,
    byte[] InlineAttributes,
    uint ChecksumSeed)
{
    public const int BlockAreaOffset = 0x28;
    public const int BlockAreaSize = 60;
    public const uint IndexFlag = 0x1000;
    public const uint EncryptFlag = 0x800;
    public const uint HugeFileFlag = 0x40000;
    public const uint ExtentsFlag = 0x80000;
    public const uint VerityFlag = 0x100000;
    public const uint XattrInodeFlag = 0x200000;
    public const uint InlineDataFlag = 0x10000000;
    private const int GoodOldSize = 128;
    private const int ChecksumLoOffset = 0x7C;
    private const int ChecksumHiOffset = 0x82;

    public int FileType => Mode & 0xF000;

    public bool HasExtents => (Flags & ExtentsFlag) != 0;

    public bool HasInlineData => (Flags & InlineDataFlag) != 0;

    /// <summary>Parses inode <paramref name="number"/> from its <c>s_inode_size</c> bytes.</summary>
    /// <exception cref="InvalidDataException">The checksum does not match or a field is out of range.</exception>
    public static Ext4Inode Parse(ReadOnlySpan<byte> raw, uint number, bool verifyChecksum, uint fileSystemSeed)
    {
        int extra = raw.Length > GoodOldSize ? BinaryPrimitives.ReadUInt16LittleEndian(raw[0x80..]) : 0;
        if (GoodOldSize + extra > raw.Length || extra % 4 != 0)
        {
            throw new InvalidDataException($"ext4 inode {number}: i_extra_isize {extra} does not fit the {raw.Length}-byte inode.");
        }
        uint generation = U32(raw, 0x64);
        uint seed = Ext4Checksum.InodeSeed(fileSystemSeed, number, generation);
        if (verifyChecksum)
        {
            Verify(raw, number, extra, seed);
        }
        ulong size = U32(raw, 0x4) | ((ulong)U32(raw, 0x6C) << 32);
        if (size > long.MaxValue)
        {
            throw new InvalidDataException($"ext4 inode {number}: size {size} is out of range.");
        }
        long seconds = (int)U32(raw, 0x10);
        uint nanoseconds = 0;
        if (extra >= 12)
        {
            uint mtimeExtra = U32(raw, 0x88);
            seconds += (long)(mtimeExtra & 3) << 32;
            nanoseconds = Math.Min(mtimeExtra >> 2, 999_999_999u);
        }
        return new Ext4Inode(
            number,
            U16(raw, 0x0),
            U16(raw, 0x2) | ((uint)U16(raw, 0x78) << 16),
            U16(raw, 0x18) | ((uint)U16(raw, 0x7A) << 16),
            (long)size,
            seconds,
            nanoseconds,
            U16(raw, 0x1A),
            U32(raw, 0x20),
            raw.Slice(BlockAreaOffset, BlockAreaSize).ToArray(),
            U32(raw, 0x68) | ((ulong)U16(raw, 0x76) << 32),
            U32(raw, 0x1C) | ((ulong)U16(raw, 0x74) << 32),
            raw[(GoodOldSize + extra)..].ToArray(),
            seed);
    }

    /// <summary>A device node's number, <c>st_rdev</c> as glibc's <c>makedev</c> encodes it.</summary>
    public ulong DeviceNumber()
    {
        uint old = BinaryPrimitives.ReadUInt32LittleEndian(BlockArea);
        uint major;
        uint minor;
        if (old != 0)
        {
            major = (old >> 8) & 0xFF;
            minor = old & 0xFF;
        }
        else
        {
            uint dev = BinaryPrimitives.ReadUInt32LittleEndian(BlockArea.AsSpan(4));
            major = (dev & 0xFFF00) >> 8;
            minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00);
        }
        return ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
    }

    private static void Verify(ReadOnlySpan<byte> raw, uint number, int extra, uint seed)
    {
        bool hasHigh = raw.Length > GoodOldSize && extra >= ChecksumHiOffset + 2 - GoodOldSize;
        uint crc = Ext4Checksum.Update(seed, raw[..ChecksumLoOffset]);
        crc = Ext4Checksum.UpdateZeros(crc, 2);
        crc = Ext4Checksum.Update(crc, raw[(ChecksumLoOffset + 2)..GoodOldSize]);
        if (raw.Length > GoodOldSize)
        {
            crc = Ext4Checksum.Update(crc, raw[GoodOldSize..ChecksumHiOffset]);
            int rest = ChecksumHiOffset;
            if (hasHigh)
            {
                crc = Ext4Checksum.UpdateZeros(crc, 2);
                rest += 2;
            }
            crc = Ext4Checksum.Update(crc, raw[rest..]);
        }
        uint stored = U16(raw, ChecksumLoOffset) | (hasHigh ? (uint)U16(raw, ChecksumHiOffset) << 16 : 0);
        uint computed = hasHigh ? crc : crc & 0xFFFF;
        if (stored != computed)
        {
            throw new InvalidDataException($"ext4 inode {number}: checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}).");
        }
    }

    private static uint U32(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);

    private static ushort U16(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(raw[offset..]);
}
