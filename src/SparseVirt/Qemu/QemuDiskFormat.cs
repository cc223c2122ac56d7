namespace SparseVirt.Qemu;

/// <summary>The image format of a disk file. It is always passed to QEMU explicitly, never left to probing.</summary>
public enum QemuDiskFormat
{
    /// <summary>A plain byte-for-byte disk image.</summary>
    Raw,

    /// <summary>A QEMU copy-on-write version 2 image.</summary>
    Qcow2,
}
