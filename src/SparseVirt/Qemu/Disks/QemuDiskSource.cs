namespace SparseVirt.Qemu.Disks;

/// <summary>
/// What a disk reads and writes: an image file (<see cref="QemuImageFile"/>), an NBD export (<see cref="QemuNbdExport"/>),
/// or a qcow2 overlay over another source (<see cref="QemuOverlay"/>), so a disk is a chain from a writable top to a
/// read-only base. Each link becomes <c>-blockdev</c> nodes with stable names (<c>disk0</c>, <c>disk0-file</c>, then
/// <c>disk0-b1</c>, <c>disk0-b1-file</c> for its backing, and so on).
/// </summary>
public abstract record QemuDiskSource
{
    private protected QemuDiskSource()
    {
    }

    /// <summary>The chain from this source down to its base, this source first.</summary>
    public IEnumerable<QemuDiskSource> Chain()
    {
        for (QemuDiskSource? source = this; source is not null; source = (source as QemuOverlay)?.Backing)
        {
            yield return source;
        }
    }

    /// <summary>How the source reads in messages and as a backing file name: its path, or its NBD URI.</summary>
    public abstract string Describe();
}
