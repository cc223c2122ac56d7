namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// The EROFS on-disk numbers this reader uses, as the Linux kernel's <c>fs/erofs/erofs_fs.h</c> defines them.
/// </summary>
internal static class ErofsFormat
{
    public const int SuperblockOffset = 1024;
    public const uint Magic = 0xE0F5E1E2;
    public const int SuperblockSize = 128;

    /// <summary>Inodes live in 32-byte slots: an inode's byte offset is <c>meta_blkaddr * block size + nid * 32</c>.</summary>
    public const int InodeSlotShift = 5;
    public const int CompactInodeSize = 32;
    public const int ExtendedInodeSize = 64;

    public const uint CompatSuperblockChecksum = 0x1;

    public const uint IncompatZeroPadding = 0x1;
    public const uint IncompatBigPcluster = 0x2; // also COMPR_CFGS: the per-algorithm records after the superblock
    public const uint IncompatChunkedFile = 0x4;
    public const uint IncompatDeviceTable = 0x8; // also COMPR_HEAD2
    public const uint IncompatZtailpacking = 0x10;
    public const uint IncompatFragmentsOrDedupe = 0x20;
    public const uint IncompatXattrPrefixes = 0x40;
    public const uint Incompat48Bit = 0x80;
    public const uint IncompatMetabox = 0x100;

    /// <summary>The low 4 bits of <c>i_format</c>: version (bit 0) and data layout (bits 1-3); later kernels add more.</summary>
    public const int InodeFormatKnownBits = 0xF;

    public const int ChunkFormatBlockBitsMask = 0x1F;
    public const int ChunkFormatIndexes = 0x20;
    public const uint NullBlockAddress = 0xFFFFFFFF;

    public const int DirentSize = 12;
    public const int MaxNameLength = 255;

    public const int XattrIbodyHeaderSize = 12;
    public const int XattrEntryHeaderSize = 4;
    public const int XattrLongPrefixFlag = 0x80;

    public const int MapHeaderSize = 8;
    public const int LclusterIndexSize = 8;
    public const ushort AdviseCompacted2B = 0x1;
    public const ushort AdviseBigPcluster1 = 0x2;
    public const ushort AdviseBigPcluster2 = 0x4;
    public const ushort AdviseInlinePcluster = 0x8;
    public const ushort AdviseInterlacedPcluster = 0x10;
    public const ushort AdviseFragmentPcluster = 0x20;
    public const ushort AdviseKnownBits = 0x3F;

    /// <summary>In a NONHEAD lcluster's <c>delta[0]</c>: the value is the pcluster's compressed block count.</summary>
    public const int D0CompressedBlockCount = 1 << 11;

    /// <summary>The kernel's largest decoded size of one pcluster (<c>Z_EROFS_PCLUSTER_MAX_DSIZE</c>, 12 MiB).</summary>
    public const int MaxDecodedExtent = 12 * 1024 * 1024;

    /// <summary>The kernel's largest encoded size of one pcluster (<c>Z_EROFS_PCLUSTER_MAX_SIZE</c>, 1 MiB).</summary>
    public const int MaxPcluster = 1024 * 1024;

    /// <summary>The longest symbolic link target read (Linux's <c>PATH_MAX</c>).</summary>
    public const int MaxLinkTarget = 4096;
}

/// <summary>An inode's data layout (<c>i_format</c> bits 1-3).</summary>
internal enum ErofsDataLayout
{
    FlatPlain = 0,
    CompressedFull = 1,
    FlatInline = 2,
    CompressedCompact = 3,
    ChunkBased = 4,
}

/// <summary>An lcluster's type in a compression index.</summary>
internal enum ErofsLclusterType
{
    Plain = 0,
    Head1 = 1,
    NonHead = 2,
    Head2 = 3,
}
