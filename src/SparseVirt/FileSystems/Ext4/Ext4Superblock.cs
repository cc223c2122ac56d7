using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.FileSystems.Ext4;

/// <summary>
/// The fields of an ext4 superblock (1024 bytes at byte 1024) this reader uses, parsed and checked by
/// <see cref="Parse"/>. Offsets are those of <c>struct ext4_super_block</c> in the kernel's on-disk documentation.
/// </summary>
internal sealed record Ext4Superblock(
    ulong BlocksCount,
    uint InodesCount,
    uint FirstDataBlock,
    int BlockSize,
    uint BlocksPerGroup,
    uint InodesPerGroup,
    ushort State,
    int InodeSize,
    uint FeatureCompat,
    uint FeatureIncompat,
    uint FeatureRoCompat,
    byte[] Uuid,
    string Label,
    int DescriptorSize,
    uint FirstMetaGroup,
    uint ChecksumSeed,
    uint Checksum)
{
    public const int Offset = 1024;
    public const int Size = 1024;
    public const ushort Magic = 0xEF53;
    public const int MagicOffset = 0x38;
    public const int ChecksumOffset = 0x3FC;

    public const uint IncompatCompression = 0x1;
    public const uint IncompatFileType = 0x2;
    public const uint IncompatRecover = 0x4;
    public const uint IncompatJournalDevice = 0x8;
    public const uint IncompatMetaGroups = 0x10;
    public const uint IncompatExtents = 0x40;
    public const uint Incompat64Bit = 0x80;
    public const uint IncompatMmp = 0x100;
    public const uint IncompatFlexGroups = 0x200;
    public const uint IncompatXattrInodes = 0x400;
    public const uint IncompatDirData = 0x1000;
    public const uint IncompatChecksumSeed = 0x2000;
    public const uint IncompatLargeDirectories = 0x4000;
    public const uint IncompatInlineData = 0x8000;
    public const uint IncompatEncryption = 0x10000;
    public const uint IncompatCasefold = 0x20000;

    /// <summary>The incompatible features this reader understands; any other bit refuses the file system.</summary>
    public const uint SupportedIncompat = IncompatFileType | IncompatRecover | IncompatMetaGroups | IncompatExtents
        | Incompat64Bit | IncompatMmp | IncompatFlexGroups | IncompatXattrInodes | IncompatChecksumSeed
        | IncompatLargeDirectories | IncompatInlineData | IncompatEncryption | IncompatCasefold;

    public const uint RoCompatSparseSuper = 0x1;
    public const uint RoCompatHugeFile = 0x8;
    public const uint RoCompatGroupDescriptorChecksum = 0x10;
    public const uint RoCompatBigAlloc = 0x200;
    public const uint RoCompatMetadataChecksum = 0x400;

    public bool HasMetadataChecksums => (FeatureRoCompat & RoCompatMetadataChecksum) != 0;

    public bool HasFileTypes => (FeatureIncompat & IncompatFileType) != 0;

    public bool NeedsRecovery => (FeatureIncompat & IncompatRecover) != 0;

    public bool Is64Bit => (FeatureIncompat & Incompat64Bit) != 0;

    public uint GroupCount => (uint)((BlocksCount - FirstDataBlock + BlocksPerGroup - 1) / BlocksPerGroup);

    /// <summary>True when <paramref name="block"/> (1024 bytes from byte 1024) carries the ext4 magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> block) =>
        block.Length >= MagicOffset + 2 && BinaryPrimitives.ReadUInt16LittleEndian(block[MagicOffset..]) == Magic;

    /// <summary>Parses and checks the superblock; <paramref name="sourceLength"/> bounds the sizes it may claim.</summary>
    /// <exception cref="InvalidDataException">A field is out of range, or a feature is one this reader cannot read.</exception>
    public static Ext4Superblock Parse(ReadOnlySpan<byte> raw, long sourceLength)
    {
        if (raw.Length < Size || !HasMagic(raw))
        {
            throw new InvalidDataException("ext4 superblock at byte 1024: no magic 0xEF53.");
        }
        uint logBlockSize = U32(raw, 0x18);
        if (logBlockSize > 6)
        {
            throw Bad("s_log_block_size", logBlockSize, "a block size from 1 KiB to 64 KiB");
        }
        int blockSize = 1024 << (int)logBlockSize;
        uint revision = U32(raw, 0x4C);
        uint incompat = revision == 0 ? 0 : U32(raw, 0x60);
        int inodeSize = revision == 0 ? 128 : U16(raw, 0x58);
        if (inodeSize < 128 || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) != 0)
        {
            throw Bad("s_inode_size", (uint)inodeSize, "a power of two from 128 to the block size");
        }
        int descriptorSize = (incompat & Incompat64Bit) != 0 ? U16(raw, 0xFE) : 32;
        if (descriptorSize < 32 || descriptorSize > blockSize || (descriptorSize & (descriptorSize - 1)) != 0)
        {
            throw Bad("s_desc_size", (uint)descriptorSize, "a power of two from 32 to the block size");
        }
        ulong blocks = U32(raw, 0x4) | ((incompat & Incompat64Bit) != 0 ? (ulong)U32(raw, 0x150) << 32 : 0);
        if (blocks == 0 || blocks > (ulong)(sourceLength / blockSize))
        {
            throw new InvalidDataException(
                $"ext4 superblock: s_blocks_count {blocks} of {blockSize} bytes does not fit the image ({sourceLength} bytes); is it truncated?");
        }
        uint blocksPerGroup = U32(raw, 0x20);
        if (blocksPerGroup == 0 || blocksPerGroup > 8u * (uint)blockSize)
        {
            throw Bad("s_blocks_per_group", blocksPerGroup, $"1 to {8 * blockSize}");
        }
        uint inodesPerGroup = U32(raw, 0x28);
        if (inodesPerGroup == 0 || inodesPerGroup > 8u * (uint)blockSize)
        {
            throw Bad("s_inodes_per_group", inodesPerGroup, $"1 to {8 * blockSize}");
        }
        uint firstDataBlock = U32(raw, 0x14);
        if (firstDataBlock >= blocks)
        {
            throw Bad("s_first_data_block", firstDataBlock, "below s_blocks_count");
        }
        uint unsupported = incompat & ~SupportedIncompat;
        if (unsupported != 0)
        {
            throw new NotSupportedException($"ext4: the file system uses incompatible features 0x{unsupported:X} this reader does not know ({DescribeIncompat(unsupported)}).");
        }
        return new Ext4Superblock(
            blocks, U32(raw, 0x0), firstDataBlock, blockSize, blocksPerGroup, inodesPerGroup, U16(raw, 0x3A), inodeSize,
            revision == 0 ? 0 : U32(raw, 0x5C), incompat, revision == 0 ? 0 : U32(raw, 0x64), raw.Slice(0x68, 16).ToArray(),
            Ext4Text.NulTerminated(raw.Slice(0x78, 16)), descriptorSize, U32(raw, 0x104), U32(raw, 0x270), U32(raw, ChecksumOffset));
    }

    private static string DescribeIncompat(uint bits)
    {
        var names = new List<string>();
        if ((bits & IncompatCompression) != 0)
        {
            names.Add("compression");
        }
        if ((bits & IncompatJournalDevice) != 0)
        {
            names.Add("journal_dev: this is an external journal, not a file system");
        }
        if ((bits & IncompatDirData) != 0)
        {
            names.Add("dirdata");
        }
        return names.Count == 0 ? "unknown" : string.Join(", ", names);
    }

    private static InvalidDataException Bad(string field, uint value, string expected) =>
        new($"ext4 superblock: {field} is {value}; expected {expected}.");

    private static uint U32(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);

    private static ushort U16(ReadOnlySpan<byte> raw, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(raw[offset..]);
}

/// <summary>Names as ext4 stores them.</summary>
internal static class Ext4Text
{
    private static readonly Encoding s_utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>The UTF-8 text before the first NUL (a fixed-size field padded with NULs).</summary>
    public static string NulTerminated(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return s_utf8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>A name of known length, as UTF-8 (invalid sequences become U+FFFD).</summary>
    public static string Name(ReadOnlySpan<byte> bytes) => s_utf8.GetString(bytes);
}
