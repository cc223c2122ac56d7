namespace SparseVirt.Qemu.Disks;

/// <summary>A disk image file in an explicit format (QEMU never guesses it).</summary>
public sealed record QemuImageFile : QemuDiskSource
{
    /// <summary>The image at <paramref name="path"/> in <paramref name="format"/>.</summary>
    public QemuImageFile(string path, QemuDiskFormat format)
    {
        Path = path;
        Format = format;
    }

    /// <summary>The image file; any characters are allowed (commas are escaped when rendered).</summary>
    public string Path { get; private init; }

    /// <summary>The image format.</summary>
    public QemuDiskFormat Format { get; private init; }

    /// <summary>How many leading bytes of a file <see cref="FormatOf"/> looks at.</summary>
    public const int FormatBytes = 4;

    /// <summary>
    /// The format of the image whose first bytes are <paramref name="firstBytes"/>: <see cref="QemuDiskFormat.Qcow2"/>
    /// when they carry qcow2's magic, else <see cref="QemuDiskFormat.Raw"/>. QEMU is always told the format; this
    /// picks it once, from a file the user named, so that a raw disk whose guest later writes a qcow2 header there is
    /// not taken for qcow2 by QEMU's own probing.
    /// </summary>
    public static QemuDiskFormat FormatOf(ReadOnlySpan<byte> firstBytes) =>
        DiskImageFormatSniffer.IsQcow2(firstBytes) ? QemuDiskFormat.Qcow2 : QemuDiskFormat.Raw;

    /// <inheritdoc/>
    public override string Describe() => Path;
}
