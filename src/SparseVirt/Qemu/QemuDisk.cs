using SparseVirt.Qemu.Disks;

namespace SparseVirt.Qemu;

/// <summary>
/// A disk attached to the guest: <c>-blockdev</c> nodes for its <see cref="Source"/> (a protocol node and a format
/// node for each link of an overlay chain) and a <c>-device</c> for the chosen interface. Immutable; the
/// <c>With...</c> methods return changed copies.
/// </summary>
public sealed record QemuDisk
{
    /// <summary>Creates a disk for the image file <paramref name="path"/> in format <paramref name="format"/>, on virtio-blk.</summary>
    public QemuDisk(string path, QemuDiskFormat format)
        : this(new QemuImageFile(path, format))
    {
    }

    /// <summary>Creates a disk reading and writing <paramref name="source"/> (a file, an NBD export or an overlay chain), on virtio-blk.</summary>
    public QemuDisk(QemuDiskSource source)
    {
        Source = source;
    }

    /// <summary>What the disk reads and writes: the top of its chain.</summary>
    public QemuDiskSource Source { get; private init; }

    /// <summary>The top image's path (or an NBD export's URI); commas are escaped when rendered.</summary>
    public string Path => Source?.Describe() ?? "";

    /// <summary>The top image's format (an overlay is always qcow2).</summary>
    public QemuDiskFormat Format => Source switch
    {
        QemuImageFile file => file.Format,
        QemuNbdExport nbd => nbd.Format,
        _ => QemuDiskFormat.Qcow2,
    };

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
