using System.Buffers.Binary;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// Decodes lcluster index entries in both formats, as the kernel's <c>fs/erofs/zmap.c</c> reads them.
/// </summary>
internal static class ErofsLclusterDecoder
{
    /// <summary>Decodes a full-format entry (<c>di_advise</c>, <c>di_clusterofs</c>, <c>di_u</c>).</summary>
    public static ErofsLcluster DecodeFull(ErofsCompressionIndex index, ReadOnlySpan<byte> entry, long position)
    {
        ushort advise = BinaryPrimitives.ReadUInt16LittleEndian(entry);
        var type = (ErofsLclusterType)(advise & 3);
        long next = position + ErofsFormat.LclusterIndexSize;
        if (type == ErofsLclusterType.NonHead)
        {
            int delta0 = BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]);
            int delta1 = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            if ((delta0 & ErofsFormat.D0CompressedBlockCount) != 0)
            {
                if (!index.BigPcluster1 && !index.BigPcluster2)
                {
                    throw ErofsCompressionIndex.Invalid(index.Inode, $"has a compressed block count in the index entry at byte {position} without big pclusters");
                }
                return new ErofsLcluster(type, 1 << index.LclusterBits, 1, delta1, 0, delta0 & ~ErofsFormat.D0CompressedBlockCount, next);
            }
            return new ErofsLcluster(type, 1 << index.LclusterBits, delta0, delta1, 0, 0, next);
        }
        int clusterOffset = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
        if (clusterOffset >= 1 << index.LclusterBits)
        {
            throw ErofsCompressionIndex.Invalid(index.Inode, $"has the cluster offset {clusterOffset} in the index entry at byte {position}, beyond its lcluster");
        }
        return new ErofsLcluster(type, clusterOffset, 0, 0, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]), 0, next);
    }

    /// <summary>
    /// Decodes entry <paramref name="slot"/> of a compact pack (<paramref name="pack"/>: 8 bytes of 2 entries or 32
    /// bytes of 16, bit-packed, then the pack's 4-byte base block address).
    /// </summary>
    public static ErofsLcluster DecodeCompact(
        ErofsCompressionIndex index, ReadOnlySpan<byte> pack, int slot, int entryShift, long packPosition, bool lookahead)
    {
        int count = pack.Length >> entryShift;
        int encodeBits = (pack.Length - 4) * 8 / count;
        int lclusterBits = index.LclusterBits;
        long next = packPosition + pack.Length;
        int lo = Bits(pack, encodeBits * slot, lclusterBits, out ErofsLclusterType type);
        if (type == ErofsLclusterType.NonHead)
        {
            int delta1 = lookahead ? LookaheadDistance(pack, encodeBits, count, slot, lclusterBits) : 0;
            if ((lo & ErofsFormat.D0CompressedBlockCount) != 0)
            {
                if (!index.BigPcluster1)
                {
                    throw ErofsCompressionIndex.Invalid(index.Inode, $"has a compressed block count in the index pack at byte {packPosition} without big pclusters");
                }
                return new ErofsLcluster(type, 1 << lclusterBits, 1, delta1, 0, lo & ~ErofsFormat.D0CompressedBlockCount, next);
            }
            if (slot + 1 != count)
            {
                return new ErofsLcluster(type, 1 << lclusterBits, lo, delta1, 0, 0, next);
            }
            // The last entry of a pack stores delta[1]; delta[0] follows from the entry before it.
            int previous = Bits(pack, encodeBits * (slot - 1), lclusterBits, out ErofsLclusterType previousType);
            int delta0 = previousType != ErofsLclusterType.NonHead ? 0 : (previous & ErofsFormat.D0CompressedBlockCount) != 0 ? 1 : previous;
            return new ErofsLcluster(type, 1 << lclusterBits, delta0 + 1, delta1, 0, 0, next);
        }
        long blocks = HeadBlockOffset(index, pack, encodeBits, slot, packPosition);
        uint baseAddress = BinaryPrimitives.ReadUInt32LittleEndian(pack[^4..]);
        long address = baseAddress + blocks;
        if (address > uint.MaxValue)
        {
            throw ErofsCompressionIndex.Invalid(index.Inode, $"has a pcluster address beyond 2^32 blocks in the index pack at byte {packPosition}");
        }
        return new ErofsLcluster(type, lo, 0, 0, (uint)address, 0, next);
    }

    /// <summary>How many blocks the pclusters of the heads before <paramref name="slot"/> in this pack take.</summary>
    private static long HeadBlockOffset(ErofsCompressionIndex index, ReadOnlySpan<byte> pack, int encodeBits, int slot, long packPosition)
    {
        int lclusterBits = index.LclusterBits;
        long blocks = index.BigPcluster1 ? 0 : 1;
        int i = slot;
        while (i > 0)
        {
            i--;
            int lo = Bits(pack, encodeBits * i, lclusterBits, out ErofsLclusterType type);
            if (!index.BigPcluster1)
            {
                if (type == ErofsLclusterType.NonHead)
                {
                    i -= lo;
                }
                if (i >= 0)
                {
                    blocks++;
                }
                continue;
            }
            if (type != ErofsLclusterType.NonHead)
            {
                blocks++;
            }
            else if ((lo & ErofsFormat.D0CompressedBlockCount) != 0)
            {
                i--;
                blocks += lo & ~ErofsFormat.D0CompressedBlockCount;
            }
            else if (lo <= 1)
            {
                throw ErofsCompressionIndex.Invalid(index.Inode, $"has a NONHEAD distance {lo} inside a big pcluster in the index pack at byte {packPosition}");
            }
            else
            {
                i -= lo - 2;
            }
        }
        return blocks;
    }

    private static int LookaheadDistance(ReadOnlySpan<byte> pack, int encodeBits, int count, int slot, int lclusterBits)
    {
        int distance = 0;
        int lo = 0;
        for (int i = slot; i < count; i++)
        {
            lo = Bits(pack, encodeBits * i, lclusterBits, out ErofsLclusterType type);
            if (type != ErofsLclusterType.NonHead)
            {
                return distance;
            }
            distance++;
        }
        return (lo & ErofsFormat.D0CompressedBlockCount) != 0 ? distance : distance + lo - 1;
    }

    /// <summary>The entry at bit <paramref name="bit"/>: its low <paramref name="lclusterBits"/> bits and its 2-bit type.</summary>
    private static int Bits(ReadOnlySpan<byte> pack, int bit, int lclusterBits, out ErofsLclusterType type)
    {
        // Four bytes from bit / 8 always lie inside the pack: entries end 4 bytes (the base address) before it does.
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(pack[(bit / 8)..]) >> (bit & 7);
        type = (ErofsLclusterType)((value >> lclusterBits) & 3);
        return (int)(value & ((1u << lclusterBits) - 1));
    }
}
