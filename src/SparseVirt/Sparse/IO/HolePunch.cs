using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO.Interop;

namespace SparseVirt.Sparse.IO;

/// <summary>Turns a byte range of a regular file into a hole (reads as zeros, occupies no storage) where the file system can.</summary>
internal static class HolePunch
{
    /// <summary>Punches a hole over the range; false when the file system or kernel cannot (the caller writes zeros).</summary>
    public static bool TryPunch(SafeFileHandle file, long offset, long length)
    {
        if (length == 0)
        {
            return true;
        }
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        if (Libc.Fallocate(file, Libc.FallocPunchHole | Libc.FallocKeepSize, offset, length) == 0)
        {
            return true;
        }
        _ = Marshal.GetLastPInvokeError();
        return false;
    }
}
