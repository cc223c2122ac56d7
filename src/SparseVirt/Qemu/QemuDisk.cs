namespace SparseVirt.Qemu;

/// <summary>
/// A disk image attached to the guest: one <c>-blockdev</c> protocol node for the file, one format node over it, and
/// a <c>-device</c> for the chosen interface. Immutable; use <c>with</c> or the <c>With...</c> methods to vary it.
/// </summary>
public sealed record QemuDisk
{
    /// <summary>Creates a disk for <paramref name="path"/> in format <paramref name="format"/>, on virtio-blk.</summary>
    public QemuDisk(string path, QemuDiskFormat format)
    {
        Path = path;
        Format = format;
    }

    /// <summary>
    /// Creates a disk served over NBD (read through a <c>-blockdev driver=nbd</c> node, as raw), on virtio-blk. Its
    /// <see cref="Path"/> is the export's URI, for messages.
    /// </summary>
    public static QemuDisk FromNbd(QemuNbdSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new QemuDisk(source.ToString(), QemuDiskFormat.Raw) { Nbd = source };
    }

    /// <summary>The image file; any characters are allowed (commas are escaped when rendered).</summary>
    public string Path { get; init; }

    /// <summary>The image format, always passed explicitly.</summary>
    public QemuDiskFormat Format { get; init; }

    /// <summary>The device the guest sees (virtio-blk unless set).</summary>
    public QemuDiskInterface Interface { get; init; } = QemuDiskInterface.VirtioBlock;

    /// <summary>Whether the guest gets a read-only disk (the file is opened read-only too). Not possible with IDE.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Whether guest writes go to a temporary overlay QEMU deletes on exit, leaving the file unchanged. QEMU only offers
    /// this on <c>-drive</c>, so such a disk is rendered as <c>-drive if=none,snapshot=on</c> plus its <c>-device</c>.
    /// </summary>
    public bool Snapshot { get; init; }

    /// <summary>The NBD export this disk reads, or <see langword="null"/> for a file (see <see cref="FromNbd"/>).</summary>
    public QemuNbdSource? Nbd { get; private init; }

    /// <summary>
    /// A qcow2 file (it must exist) that takes the guest's writes, with this disk as its backing node: the disk itself
    /// is opened read-only and never written, and the writes outlive the guest. <see langword="null"/> for none.
    /// </summary>
    public string? Qcow2Overlay { get; private init; }

    /// <summary>The cache mode, or <see langword="null"/> for QEMU's default (write-back).</summary>
    public QemuDiskCacheMode? Cache { get; init; }

    /// <summary>The firmware boot order of this disk (<c>bootindex</c>, lower boots first), or <see langword="null"/>.</summary>
    public int? BootIndex { get; init; }

    /// <summary>A copy on interface <paramref name="value"/>.</summary>
    public QemuDisk WithInterface(QemuDiskInterface value) => this with { Interface = value };

    /// <summary>A copy that is read-only or not.</summary>
    public QemuDisk WithReadOnly(bool value = true) => this with { ReadOnly = value };

    /// <summary>A copy whose writes go to a temporary overlay or not.</summary>
    public QemuDisk WithSnapshot(bool value = true) => this with { Snapshot = value };

    /// <summary>A copy with cache mode <paramref name="value"/>.</summary>
    public QemuDisk WithCache(QemuDiskCacheMode? value) => this with { Cache = value };

    /// <summary>A copy whose writes go to the qcow2 file <paramref name="value"/>, backed by this disk (or none when null).</summary>
    public QemuDisk WithQcow2Overlay(string? value) => this with { Qcow2Overlay = value };

    /// <summary>A copy with boot index <paramref name="value"/>.</summary>
    public QemuDisk WithBootIndex(int? value) => this with { BootIndex = value };
}
