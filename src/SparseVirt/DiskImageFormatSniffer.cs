using System.Buffers.Binary;

namespace SparseVirt;

/// <summary>
/// Recognizes common disk image formats from their first bytes: Sparse uses it so a wrong-magic error can say what
/// the file looks like (most often: a raw image that needs no expanding), and Qemu to tell a qcow2 image from a raw
/// one (<c>QemuImageFile.FormatOf</c>).
/// </summary>
internal static class DiskImageFormatSniffer
{
    /// <summary>How many leading bytes <see cref="Describe"/> can use (it looks at the ext4 superblock at 1024).</summary>
    public const int BytesWanted = 2048;

    private static ReadOnlySpan<byte> QcowMagic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    private static ReadOnlySpan<byte> XzMagic => [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];

    /// <summary>Whether <paramref name="data"/> starts with the qcow2 magic, "QFI\xfb" (QEMU's <c>QCOW_MAGIC</c>).</summary>
    public static bool IsQcow2(ReadOnlySpan<byte> data) => data.StartsWith(QcowMagic);

    /// <summary>What <paramref name="data"/>, a file's first bytes, looks like, or null when it is none of these.</summary>
    public static string? Describe(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 1082 && BinaryPrimitives.ReadUInt16LittleEndian(data[1080..]) == 0xEF53)
        {
            return "a raw ext2/3/4 file system image";
        }
        if (data.Length >= 520 && data.Slice(512, 8).SequenceEqual("EFI PART"u8))
        {
            return "a raw disk image with a GPT partition table";
        }
        if (data.Length >= 512 && data[510] == 0x55 && data[511] == 0xAA)
        {
            return "a raw disk image (it has an MBR boot signature)";
        }
        if (IsQcow2(data))
        {
            return "a qcow2 image";
        }
        if (data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B)
        {
            return "a gzip-compressed file";
        }
        if (data.Length >= 4 && data[..4].SequenceEqual("PK\x03\x04"u8))
        {
            return "a zip archive";
        }
        if (data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == 0x184D2204)
        {
            return "an LZ4-compressed file";
        }
        if (data.Length >= 6 && data[..6].SequenceEqual(XzMagic))
        {
            return "an xz-compressed file";
        }
        if (data.Length >= 64 && !data.ContainsAnyExcept((byte)0))
        {
            return "a raw image (it starts with zeros)";
        }
        return null;
    }
}
