using System.Buffers.Binary;
using System.Text;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>The fields of the EROFS superblock (128 bytes at byte 1024) this reader uses.</summary>
internal sealed record ErofsSuperblock(
    int BlockSizeBits,
    int ExtensionSlots,
    ulong RootNid,
    ulong BuildTime,
    uint BuildTimeNanoseconds,
    uint MetaBlockAddress,
    uint XattrBlockAddress,
    uint FeatureCompat,
    uint FeatureIncompat,
    ushort AvailableCompressionAlgorithms,
    ushort ExtraDevices,
    string VolumeName)
{
    public int BlockSize => 1 << BlockSizeBits;

    public bool HasZeroPadding => (FeatureIncompat & ErofsFormat.IncompatZeroPadding) != 0;

    public bool HasBigPcluster => (FeatureIncompat & ErofsFormat.IncompatBigPcluster) != 0;

    public bool HasTailPacking => (FeatureIncompat & ErofsFormat.IncompatZtailpacking) != 0;

    /// <summary>The byte offset of the first inode slot (nid 0).</summary>
    public long MetaStart => (long)MetaBlockAddress << BlockSizeBits;

    /// <summary>True when a magic number at byte 1024 says the image is EROFS.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> superblock) =>
        superblock.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(superblock) == ErofsFormat.Magic;

    /// <summary>
    /// Decodes the superblock (<paramref name="superblock"/>: at least 128 bytes from byte 1024), refusing the
    /// incompatible features this reader does not read with a <see cref="NotSupportedException"/> naming them.
    /// </summary>
    public static ErofsSuperblock Parse(ReadOnlySpan<byte> superblock)
    {
        if (superblock.Length < ErofsFormat.SuperblockSize || !HasMagic(superblock))
        {
            throw new InvalidDataException($"EROFS superblock at byte {ErofsFormat.SuperblockOffset}: the magic number 0x{ErofsFormat.Magic:X8} is missing.");
        }
        int blockSizeBits = superblock[12];
        // erofs-utils 1.5 makes 4 KiB blocks; the kernel takes 512 B up to its page size. 64 KiB bounds every
        // block-sized buffer this reader allocates.
        if (blockSizeBits is < 9 or > 16)
        {
            throw new InvalidDataException($"EROFS superblock at byte {ErofsFormat.SuperblockOffset}: blkszbits {blockSizeBits} is outside 9..16 (512 B to 64 KiB blocks).");
        }
        uint incompat = BinaryPrimitives.ReadUInt32LittleEndian(superblock[80..]);
        RefuseUnsupported(incompat);
        return new ErofsSuperblock(
            blockSizeBits,
            superblock[13],
            BinaryPrimitives.ReadUInt16LittleEndian(superblock[14..]),
            BinaryPrimitives.ReadUInt64LittleEndian(superblock[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(superblock[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(superblock[40..]),
            BinaryPrimitives.ReadUInt32LittleEndian(superblock[44..]),
            BinaryPrimitives.ReadUInt32LittleEndian(superblock[8..]),
            incompat,
            BinaryPrimitives.ReadUInt16LittleEndian(superblock[84..]),
            BinaryPrimitives.ReadUInt16LittleEndian(superblock[86..]),
            DecodeName(superblock.Slice(64, 16)));
    }

    /// <summary>How many bytes from byte 1024 the superblock checksum covers (the kernel's rule).</summary>
    public static int ChecksumLength(int blockSize) =>
        blockSize > ErofsFormat.SuperblockOffset ? blockSize - ErofsFormat.SuperblockOffset : blockSize;

    /// <summary>
    /// Checks the CRC32C of <paramref name="region"/> (the <see cref="ChecksumLength"/> bytes from byte 1024, with
    /// the checksum field counted as zero), as the kernel does: seed ~0, no final inversion.
    /// </summary>
    public static void VerifyChecksum(ReadOnlySpan<byte> region)
    {
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(region[4..]);
        uint crc = Crc32C.Update(uint.MaxValue, region[..4]);
        crc = Crc32C.Update(crc, stackalloc byte[4]);
        crc = Crc32C.Update(crc, region[8..]);
        if (crc != stored)
        {
            throw new InvalidDataException($"EROFS superblock at byte {ErofsFormat.SuperblockOffset}: checksum 0x{stored:X8} does not match the contents (CRC32C 0x{crc:X8}).");
        }
    }

    private static void RefuseUnsupported(uint incompat)
    {
        var refused = new List<string>();
        if ((incompat & ErofsFormat.IncompatFragmentsOrDedupe) != 0)
        {
            refused.Add("fragments/dedupe (0x20, erofs-utils 1.6+)");
        }
        if ((incompat & ErofsFormat.IncompatXattrPrefixes) != 0)
        {
            refused.Add("long xattr name prefixes (0x40, erofs-utils 1.7+)");
        }
        if ((incompat & ErofsFormat.Incompat48Bit) != 0)
        {
            refused.Add("48-bit block addresses (0x80)");
        }
        if ((incompat & ErofsFormat.IncompatMetabox) != 0)
        {
            refused.Add("metabox (0x100)");
        }
        uint unknown = incompat & ~((ErofsFormat.IncompatMetabox << 1) - 1);
        if (unknown != 0)
        {
            refused.Add($"unknown incompatible features 0x{unknown:X}");
        }
        if (refused.Count > 0)
        {
            throw new NotSupportedException($"EROFS image uses features this reader (erofs-utils 1.5's format) does not read: {string.Join(", ", refused)}.");
        }
    }

    private static string DecodeName(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
