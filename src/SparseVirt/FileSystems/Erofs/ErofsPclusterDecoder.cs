using K4os.Compression.LZ4;

namespace SparseVirt.FileSystems.Erofs;

/// <summary>
/// Turns one pcluster into the bytes of its extent: an uncompressed (PLAIN) pcluster holds them from its first byte;
/// an LZ4 one (LZ4 and LZ4HC write the same block format) decodes to them. With the zero-padding feature (what
/// erofs-utils 1.5 writes unless <c>-E legacy-compress</c>) the compressed bytes end the pcluster and leading zeros
/// pad it; without it they start it and decoding stops when the extent is complete.
/// </summary>
internal static class ErofsPclusterDecoder
{
    public static byte[] Decode(
        ReadOnlySpan<byte> pcluster, int decodedLength, bool plain, int algorithm, bool zeroPadding, ErofsInode inode, long extentStart)
    {
        if (plain)
        {
            return decodedLength <= pcluster.Length
                ? pcluster[..decodedLength].ToArray()
                : throw Invalid(inode, extentStart, $"is an uncompressed pcluster of {pcluster.Length} bytes for an extent of {decodedLength}");
        }
        if (algorithm != 0)
        {
            string name = algorithm switch { 1 => "LZMA", 2 => "DEFLATE", 3 => "Zstandard", _ => $"the unknown algorithm {algorithm}" };
            throw new NotSupportedException($"EROFS inode nid {inode.Nid} is compressed with {name}; this reader decodes LZ4 and LZ4HC only (what erofs-utils 1.5 makes).");
        }
        byte[] output = new byte[decodedLength];
        int decoded;
        if (zeroPadding)
        {
            int margin = pcluster.IndexOfAnyExcept((byte)0);
            if (margin < 0)
            {
                throw Invalid(inode, extentStart, $"is a pcluster of {pcluster.Length} zero bytes");
            }
            decoded = LZ4Codec.Decode(pcluster[margin..], output);
        }
        else
        {
            decoded = LZ4Codec.PartialDecode(pcluster, output);
        }
        return decoded == decodedLength
            ? output
            : throw Invalid(inode, extentStart, $"is an LZ4 pcluster that does not decode to its extent's {decodedLength} bytes (decoder result {decoded})");
    }

    private static InvalidDataException Invalid(ErofsInode inode, long extentStart, string what) =>
        new($"EROFS inode nid {inode.Nid}, extent at file offset {extentStart}: {what}.");
}
