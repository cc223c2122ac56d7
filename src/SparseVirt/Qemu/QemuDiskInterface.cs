namespace SparseVirt.Qemu;

/// <summary>The device through which the guest sees a disk.</summary>
public enum QemuDiskInterface
{
    /// <summary>A paravirtual block device (<c>virtio-blk-pci</c>).</summary>
    VirtioBlock,

    /// <summary>An IDE/SATA hard disk (<c>ide-hd</c>) on the machine's built-in IDE or AHCI controller (x86 pc and q35).</summary>
    Ide,

    /// <summary>A SCSI hard disk (<c>scsi-hd</c>) on a <c>virtio-scsi-pci</c> controller that is added for it.</summary>
    Scsi,

    /// <summary>An NVMe controller with the disk as its namespace (<c>nvme</c>).</summary>
    Nvme,
}
