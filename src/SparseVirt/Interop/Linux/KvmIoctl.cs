namespace SparseVirt.Interop;

/// <summary>
/// The /dev/kvm system ioctls (linux/kvm.h). All four are <c>_IO(KVMIO, nr)</c>: no direction and no size, so the
/// request number is <c>(KVMIO &lt;&lt; 8) | nr</c> on every architecture.
/// </summary>
internal static class KvmIoctl
{
    /// <summary><c>KVMIO</c>, the ioctl type byte of KVM.</summary>
    internal const uint KvmIo = 0xAE;

    /// <summary>The only API version the stable KVM interface has ever reported (<c>KVM_API_VERSION</c>).</summary>
    internal const int ExpectedApiVersion = 12;

    /// <summary><c>KVM_GET_API_VERSION</c> = <c>_IO(KVMIO, 0x00)</c>.</summary>
    internal const nuint GetApiVersion = (KvmIo << 8) | 0x00;

    /// <summary><c>KVM_CREATE_VM</c> = <c>_IO(KVMIO, 0x01)</c>; returns a VM fd.</summary>
    internal const nuint CreateVm = (KvmIo << 8) | 0x01;

    /// <summary><c>KVM_CHECK_EXTENSION</c> = <c>_IO(KVMIO, 0x03)</c>; argument is a <c>KVM_CAP_*</c> id.</summary>
    internal const nuint CheckExtension = (KvmIo << 8) | 0x03;

    /// <summary><c>KVM_GET_VCPU_MMAP_SIZE</c> = <c>_IO(KVMIO, 0x04)</c>; bytes of a vCPU's shared run area.</summary>
    internal const nuint GetVcpuMmapSize = (KvmIo << 8) | 0x04;
}
