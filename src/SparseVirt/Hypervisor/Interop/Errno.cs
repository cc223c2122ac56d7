namespace SparseVirt.Hypervisor.Interop;

/// <summary>The Linux errno values the probes tell apart (asm-generic/errno-base.h; the same on x86-64 and arm64).</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int ENODEV = 19;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ENOTTY = 25;
    internal const int EROFS = 30;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;
}
