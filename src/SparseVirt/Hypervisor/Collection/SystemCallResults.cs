using System.Runtime.InteropServices;

using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>Turns the errno of a failed call into a <see cref="SystemCallOutcome"/> that says what it means.</summary>
internal static class SystemCallResults
{
    /// <summary>The outcome for the errno the last P/Invoke left behind.</summary>
    public static SystemCallOutcome FromLastError() => FromErrno(Marshal.GetLastPInvokeError());

    public static SystemCallOutcome FromErrno(int errno) => new()
    {
        Succeeded = false,
        Error = Classify(errno),
        Errno = errno,
        ErrnoName = Errno.Name(errno),
        Message = Marshal.GetPInvokeErrorMessage(errno),
    };

    public static SystemCallError Classify(int errno) => errno switch
    {
        0 => SystemCallError.None,
        Errno.ENOENT => SystemCallError.NotFound,
        Errno.EACCES => SystemCallError.AccessDenied,
        Errno.EPERM => SystemCallError.NotPermitted,
        Errno.ENOTTY => SystemCallError.InappropriateIoctl,
        Errno.EBUSY => SystemCallError.Busy,
        Errno.EINVAL => SystemCallError.InvalidArgument,
        Errno.ENXIO => SystemCallError.NoDeviceOrAddress,
        Errno.ENODEV => SystemCallError.NoDevice,
        Errno.ENOMEM => SystemCallError.OutOfMemory,
        Errno.EMFILE or Errno.ENFILE => SystemCallError.TooManyOpenFiles,
        Errno.ENOSYS or Errno.EOPNOTSUPP => SystemCallError.NotSupported,
        Errno.EISDIR => SystemCallError.IsADirectory,
        Errno.EIO => SystemCallError.InputOutput,
        _ => SystemCallError.Other,
    };
}
