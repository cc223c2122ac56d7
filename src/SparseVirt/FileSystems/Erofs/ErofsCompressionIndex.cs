using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// A compressed inode's map header and the geometry of its lcluster index: where entry <c>lcn</c> lies, in the full
/// (legacy, 8 bytes each) or compact format (packs of 2 entries in 8 bytes or 16 in 32 bytes, each pack ending with
/// the block address its entries count from), and how to decode it. Pure: the caller reads the bytes.
/// </summary>
internal sealed class ErofsCompressionIndex
{
    private ErofsCompressionIndex(ErofsInode inode, ushort advise, int lclusterBits, int algorithm1, int algorithm2, int inlineSize)
    {
        Inode = inode;
        Advise = advise;
        LclusterBits = lclusterBits;
        Algorithm1 = algorithm1;
        Algorithm2 = algorithm2;
        InlineSize = inlineSize;
        long aligned = (inode.TrailerPosition + 7) & ~7L;
        Full = inode.Layout == ErofsDataLayout.CompressedFull;
        // The full format keeps 8 reserved bytes after the map header (the kernel's Z_EROFS_FULL_INDEX_ALIGN).
        IndexBase = aligned + ErofsFormat.MapHeaderSize + (Full ? ErofsFormat.LclusterIndexSize : 0);
        LclusterCount = (long)(((ulong)inode.Size + (1UL << lclusterBits) - 1) >> lclusterBits);
        if (!Full)
        {
            // 4-byte entries until the 2-byte packs can start 32-byte aligned, then 16-entry 2-byte packs, then 4-byte.
            Compacted4BInitial = (int)((32 - (IndexBase % 32)) / 4) & 7;
            Compacted2B = (advise & ErofsFormat.AdviseCompacted2B) != 0 && Compacted4BInitial < LclusterCount
                ? (LclusterCount - Compacted4BInitial) / 16 * 16
                : 0;
        }
    }

    public ErofsInode Inode { get; }

    public ushort Advise { get; }

    public int LclusterBits { get; }

    public int Algorithm1 { get; }

    public int Algorithm2 { get; }

    /// <summary>The compressed size of the tail-packed pcluster stored inline (<c>h_idata_size</c>).</summary>
    public int InlineSize { get; }

    public bool Full { get; }

    public long IndexBase { get; }

    public long LclusterCount { get; }

    public int Compacted4BInitial { get; }

    public long Compacted2B { get; }

    public bool TailPacked => (Advise & ErofsFormat.AdviseInlinePcluster) != 0;

    public bool BigPcluster1 => (Advise & ErofsFormat.AdviseBigPcluster1) != 0;

    public bool BigPcluster2 => (Advise & ErofsFormat.AdviseBigPcluster2) != 0;

    /// <summary>Decodes the 8-byte map header that starts the index (<paramref name="header"/>), refusing what 1.5 does not make.</summary>
    public static ErofsCompressionIndex Create(ErofsInode inode, ReadOnlySpan<byte> header, ErofsSuperblock superblock)
    {
        // Before big pclusters and tail-packing, the full format had no map header: the kernel of that time and
        // erofs-utils 1.5 read such an inode with every field zero.
        if (inode.Layout == ErofsDataLayout.CompressedFull && !superblock.HasBigPcluster && !superblock.HasTailPacking)
        {
            return new ErofsCompressionIndex(inode, 0, superblock.BlockSizeBits, 0, 0, 0);
        }
        ushort advise = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        int clusterBits = header[7];
        if ((clusterBits & 0x80) != 0 || (advise & ErofsFormat.AdviseFragmentPcluster) != 0)
        {
            throw Unsupported(inode, "keeps data in fragments of the packed inode (erofs-utils 1.6+)");
        }
        if ((advise & ErofsFormat.AdviseInterlacedPcluster) != 0)
        {
            throw Unsupported(inode, "has interlaced uncompressed pclusters (erofs-utils 1.6+)");
        }
        if ((advise & ~ErofsFormat.AdviseKnownBits) != 0)
        {
            throw Unsupported(inode, $"has the unknown map header advice bits 0x{advise & ~ErofsFormat.AdviseKnownBits:X}");
        }
        bool big = (advise & (ErofsFormat.AdviseBigPcluster1 | ErofsFormat.AdviseBigPcluster2)) != 0;
        if (big && !superblock.HasBigPcluster)
        {
            throw Invalid(inode, "has big pclusters, but the superblock lacks the big pcluster feature");
        }
        if (inode.Layout == ErofsDataLayout.CompressedCompact
            && ((advise & ErofsFormat.AdviseBigPcluster1) != 0) != ((advise & ErofsFormat.AdviseBigPcluster2) != 0))
        {
            throw Invalid(inode, "has compact indexes with big pclusters for only one of HEAD1 and HEAD2");
        }
        int lclusterBits = superblock.BlockSizeBits + (clusterBits & 7);
        if (inode.Layout == ErofsDataLayout.CompressedCompact && lclusterBits > 14)
        {
            throw Invalid(inode, $"has compact indexes with {1 << lclusterBits}-byte lclusters (at most 16 KiB fit them)");
        }
        return new ErofsCompressionIndex(
            inode, advise, lclusterBits, header[6] & 15, header[6] >> 4, BinaryPrimitives.ReadUInt16LittleEndian(header[2..]));
    }

    /// <summary>The byte position of entry <paramref name="lcn"/>, and the size of the pack holding it.</summary>
    public (long Position, int PackSize, int EntryShift) Locate(long lcn)
    {
        if (lcn < 0 || lcn >= LclusterCount)
        {
            throw Invalid(Inode, $"refers to lcluster {lcn}, outside its {LclusterCount} lclusters");
        }
        if (Full)
        {
            return (IndexBase + (lcn * ErofsFormat.LclusterIndexSize), ErofsFormat.LclusterIndexSize, 3);
        }
        long position = IndexBase;
        if (lcn >= Compacted4BInitial)
        {
            position += Compacted4BInitial * 4L;
            lcn -= Compacted4BInitial;
            if (lcn < Compacted2B)
            {
                if (LclusterBits != 12)
                {
                    throw Invalid(Inode, $"has 2-byte compact indexes with {1 << LclusterBits}-byte lclusters (only 4 KiB fit them)");
                }
                return (position + (lcn * 2), 32, 1);
            }
            position += Compacted2B * 2;
            lcn -= Compacted2B;
        }
        return (position + (lcn * 4), 8, 2);
    }

    public static NotSupportedException Unsupported(ErofsInode inode, string what) =>
        new($"EROFS inode nid {inode.Nid} {what}, which this reader (erofs-utils 1.5's format) does not read.");

    public static InvalidDataException Invalid(ErofsInode inode, string what) =>
        new($"EROFS compressed inode nid {inode.Nid} at byte {inode.Position} {what}.");
}
