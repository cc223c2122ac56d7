using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

/// <summary>A Unix file descriptor that is closed exactly once, also when a probe throws.</summary>
internal sealed class SafeFileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    /// <summary>Wraps a descriptor returned as a plain integer (open's result, the VM fd from KVM_CREATE_VM); -1 is invalid.</summary>
    public SafeFileDescriptorHandle(int fileDescriptor)
        : base(ownsHandle: true)
    {
        SetHandle(fileDescriptor);
    }

    /// <summary>
    /// Opens <paramref name="path"/>; the handle is invalid on failure, and the errno stays available through
    /// <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/> because no other call intervenes.
    /// </summary>
    public static SafeFileDescriptorHandle Open(string path, int flags) => new(Libc.Open(path, flags));

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
