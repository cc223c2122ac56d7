namespace SparseVirt.Qemu.Disks;

/// <summary>How a new overlay's header names its backing file.</summary>
public enum QemuBackingPathStyle
{
    /// <summary>An absolute path: the overlay can move, the backing cannot.</summary>
    Absolute,

    /// <summary>A path relative to the overlay's folder: the two can move together.</summary>
    RelativeToOverlay,
}
