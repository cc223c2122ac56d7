using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Hypervisor.Interop;

/// <summary>A Unix file descriptor that is closed exactly once, also when a probe throws.</summary>
internal sealed class SafeFileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    /// <summary>Used by the interop marshaller for <c>open</c>'s return value.</summary>
    public SafeFileDescriptorHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Wraps a descriptor returned as a plain integer (such as the VM fd from KVM_CREATE_VM).</summary>
    public SafeFileDescriptorHandle(int fileDescriptor)
        : base(ownsHandle: true)
    {
        SetHandle(fileDescriptor);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
