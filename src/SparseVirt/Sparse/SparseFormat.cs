namespace SparseVirt.Sparse;

/// <summary>
/// Constants of the Android sparse image format (AOSP <c>libsparse/sparse_format.h</c>). All fields are little-endian.
/// </summary>
public static class SparseFormat
{
    /// <summary>The file header's magic number, <c>0xED26FF3A</c>.</summary>
    public const uint Magic = 0xED26FF3A;

    /// <summary>The only major version there is; images with another are rejected, as libsparse does.</summary>
    public const ushort MajorVersion = 1;

    /// <summary>The size of the first revision's file header; larger declared sizes carry extra bytes that readers skip.</summary>
    public const int FileHeaderSize = 28;

    /// <summary>The size of the first revision's chunk header; larger declared sizes carry extra bytes that readers skip.</summary>
    public const int ChunkHeaderSize = 12;

    /// <summary>The block size AOSP tools use by default.</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>The size of the payload of a FILL chunk (the 32-bit pattern) and of a CRC32 chunk (the checksum).</summary>
    public const int FillOrCrcPayloadSize = 4;
}
