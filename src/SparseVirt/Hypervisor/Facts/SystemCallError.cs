namespace SparseVirt.Hypervisor;

/// <summary>
/// What a failed system call reported, by meaning rather than by number. Values are stable: they are part of the
/// JSON schema (serialized by name).
/// </summary>
public enum SystemCallError
{
    /// <summary>The call succeeded.</summary>
    None = 0,

    /// <summary><c>ENOENT</c>: no such file.</summary>
    NotFound = 1,

    /// <summary><c>EACCES</c>: the file's permissions refuse this user.</summary>
    AccessDenied = 2,

    /// <summary><c>EPERM</c>: refused regardless of file permissions (device cgroup, seccomp, LSM, capability).</summary>
    NotPermitted = 3,

    /// <summary><c>ENOTTY</c>: the file does not understand this ioctl, so it is not the device asked for.</summary>
    InappropriateIoctl = 4,

    /// <summary><c>EBUSY</c>: in use; for KVM, another hypervisor holds the CPU's virtualization extensions.</summary>
    Busy = 5,

    /// <summary><c>EINVAL</c>: an argument the kernel rejects.</summary>
    InvalidArgument = 6,

    /// <summary><c>ENXIO</c>: the device node exists but no driver answers behind it.</summary>
    NoDeviceOrAddress = 7,

    /// <summary><c>ENODEV</c>: no such device (driver missing or unloaded).</summary>
    NoDevice = 8,

    /// <summary><c>ENOMEM</c>: out of memory.</summary>
    OutOfMemory = 9,

    /// <summary><c>EMFILE</c> or <c>ENFILE</c>: too many open files.</summary>
    TooManyOpenFiles = 10,

    /// <summary><c>ENOSYS</c> or <c>EOPNOTSUPP</c>: the kernel or file system does not support the call.</summary>
    NotSupported = 11,

    /// <summary><c>EISDIR</c>: a directory where a device was expected.</summary>
    IsADirectory = 12,

    /// <summary><c>EIO</c>: input/output error (the msr driver's answer for an MSR that does not exist).</summary>
    InputOutput = 13,

    /// <summary>Any other errno; <see cref="SystemCallOutcome.Errno"/> has the number.</summary>
    Other = 99,
}
