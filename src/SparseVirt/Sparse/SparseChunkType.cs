namespace SparseVirt.Sparse;

/// <summary>The kinds of chunk an Android sparse image holds. The values are the on-disk type codes.</summary>
public enum SparseChunkType : ushort
{
    /// <summary>Blocks stored as they are (<c>0xCAC1</c>): the payload is <c>chunk_sz * blk_sz</c> bytes.</summary>
    Raw = 0xCAC1,

    /// <summary>Blocks filled with one repeated 32-bit pattern (<c>0xCAC2</c>): the payload is the 4-byte pattern.</summary>
    Fill = 0xCAC2,

    /// <summary>Blocks whose content does not matter (<c>0xCAC3</c>): no payload; expanded as zeros or left untouched.</summary>
    DontCare = 0xCAC3,

    /// <summary>A checkpoint (<c>0xCAC4</c>): the CRC32 of everything expanded so far; covers no blocks.</summary>
    Crc32 = 0xCAC4,
}
