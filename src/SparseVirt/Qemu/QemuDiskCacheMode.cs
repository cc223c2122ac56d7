namespace SparseVirt.Qemu;

/// <summary>
/// How QEMU caches a disk's writes, with the meaning of <c>-drive cache=</c>. With <c>-blockdev</c> each mode is spelled
/// as the node options <c>cache.direct</c> and <c>cache.no-flush</c> plus the device's <c>write-cache</c> property.
/// </summary>
public enum QemuDiskCacheMode
{
    /// <summary>Host page cache, guest sees a write-back cache (QEMU's default).</summary>
    Writeback,

    /// <summary>Bypasses the host page cache (<c>O_DIRECT</c>); guest sees a write-back cache. Needs a file system with <c>O_DIRECT</c> (not tmpfs).</summary>
    None,

    /// <summary>Host page cache, every write flushed; guest sees no write cache.</summary>
    Writethrough,

    /// <summary>Bypasses the host page cache and flushes every write.</summary>
    DirectSync,

    /// <summary>Host page cache and guest flushes ignored: fastest, loses data if the host crashes.</summary>
    Unsafe,
}
