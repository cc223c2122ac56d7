namespace SparseVirt.Qemu;

/// <summary>
/// A disk image attached to the guest: one <c>-blockdev</c> protocol node for the file, one format node over it, and
/// a <c>-device</c> for the chosen interface. Immutable; the <c>With...</c> methods return changed copies.
/// </summary>
public sealed record QemuDisk
{
    /// <summary>Creates a disk for <paramref name="path"/> in format <paramref name="format"/>, on virtio-blk.</summary>
    public QemuDisk(string path, QemuDiskFormat format)
    {
        Path = path;
        Format = format;
    }

    /// <summary>The image file; any characters are allowed (commas are escaped when rendered).</summary>
    public string Path { get; private init; }

    /// <summary>The image format, always passed explicitly.</summary>
    public QemuDiskFormat Format { get; private init; }

    /// <summary>The device the guest sees (virtio-blk unless set).</summary>
    public QemuDiskInterface Interface { get; private init; } = QemuDiskInterface.VirtioBlock;

    /// <summary>Whether the guest gets a read-only disk (the file is opened read-only too). Not possible with IDE.</summary>
    public bool ReadOnly { get; private init; }

    /// <summary>
    /// Whether guest writes go to a temporary overlay QEMU deletes on exit, leaving the file unchanged. QEMU only offers
    /// this on <c>-drive</c>, so such a disk is rendered as <c>-drive if=none,snapshot=on</c> plus its <c>-device</c>.
    /// </summary>
    public bool Snapshot { get; private init; }

    /// <summary>The cache mode, or <see langword="null"/> for QEMU's default (write-back).</summary>
    public QemuDiskCacheMode? Cache { get; private init; }

    /// <summary>The firmware boot order of this disk (<c>bootindex</c>, lower boots first), or <see langword="null"/>.</summary>
    public int? BootIndex { get; private init; }

    /// <summary>A copy on interface <paramref name="value"/>.</summary>
    public QemuDisk WithInterface(QemuDiskInterface value) => this with { Interface = value };

    /// <summary>A copy that is read-only or not.</summary>
    public QemuDisk WithReadOnly(bool value = true) => this with { ReadOnly = value };

    /// <summary>A copy whose writes go to a temporary overlay or not.</summary>
    public QemuDisk WithSnapshot(bool value = true) => this with { Snapshot = value };

    /// <summary>A copy with cache mode <paramref name="value"/>.</summary>
    public QemuDisk WithCache(QemuDiskCacheMode? value) => this with { Cache = value };

    /// <summary>A copy with boot index <paramref name="value"/>.</summary>
    public QemuDisk WithBootIndex(int? value) => this with { BootIndex = value };
}
