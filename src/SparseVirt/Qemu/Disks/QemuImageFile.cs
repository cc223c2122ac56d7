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

    /// <inheritdoc/>
    public override string Describe() => Path;
}
