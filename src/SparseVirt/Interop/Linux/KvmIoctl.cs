namespace SparseVirt.Interop;

/// <summary>
/// The KVM ioctls (linux/kvm.h). Requests without an argument structure are <c>_IO(KVMIO, nr)</c>, so
/// <c>(KVMIO &lt;&lt; 8) | nr</c>; those with one encode its direction and size as <c>_IOC</c> does on x86-64 and
/// arm64: <c>dir &lt;&lt; 30 | size &lt;&lt; 16 | KVMIO &lt;&lt; 8 | nr</c>, with write 1, read 2 and both 3.
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

    /// <summary><c>KVM_GET_SUPPORTED_CPUID</c> = <c>_IOWR(KVMIO, 0x05, struct kvm_cpuid2)</c> (8-byte header), x86 only.</summary>
    internal const uint GetSupportedCpuid = Write | Read | (8u << 16) | (KvmIo << 8) | 0x05u;

    /// <summary><c>KVM_CREATE_VCPU</c> = <c>_IO(KVMIO, 0x41)</c>; argument is the vCPU id, returns a vCPU fd.</summary>
    internal const nuint CreateVcpu = (KvmIo << 8) | 0x41;

    /// <summary><c>KVM_SET_USER_MEMORY_REGION</c> = <c>_IOW(KVMIO, 0x46, struct kvm_userspace_memory_region)</c> (32 bytes).</summary>
    internal const uint SetUserMemoryRegion = Write | (32u << 16) | (KvmIo << 8) | 0x46u;

    /// <summary><c>KVM_RUN</c> = <c>_IO(KVMIO, 0x80)</c>.</summary>
    internal const nuint Run = (KvmIo << 8) | 0x80;

    /// <summary><c>KVM_GET_REGS</c> = <c>_IOR(KVMIO, 0x81, struct kvm_regs)</c> (144 bytes on x86-64).</summary>
    internal const uint GetRegisters = Read | (144u << 16) | (KvmIo << 8) | 0x81u;

    /// <summary><c>KVM_SET_REGS</c> = <c>_IOW(KVMIO, 0x82, struct kvm_regs)</c> (144 bytes on x86-64).</summary>
    internal const uint SetRegisters = Write | (144u << 16) | (KvmIo << 8) | 0x82u;

    /// <summary><c>KVM_GET_SREGS</c> = <c>_IOR(KVMIO, 0x83, struct kvm_sregs)</c> (312 bytes on x86-64).</summary>
    internal const uint GetSpecialRegisters = Read | (312u << 16) | (KvmIo << 8) | 0x83u;

    /// <summary><c>KVM_SET_SREGS</c> = <c>_IOW(KVMIO, 0x84, struct kvm_sregs)</c> (312 bytes on x86-64).</summary>
    internal const uint SetSpecialRegisters = Write | (312u << 16) | (KvmIo << 8) | 0x84u;

    /// <summary><c>KVM_SET_CPUID2</c> = <c>_IOW(KVMIO, 0x90, struct kvm_cpuid2)</c> (8-byte header), x86 only.</summary>
    internal const uint SetCpuid2 = Write | (8u << 16) | (KvmIo << 8) | 0x90u;

    /// <summary><c>KVM_GET_ONE_REG</c> = <c>_IOW(KVMIO, 0xab, struct kvm_one_reg)</c> (16 bytes).</summary>
    internal const uint GetOneRegister = Write | (16u << 16) | (KvmIo << 8) | 0xABu;

    /// <summary><c>KVM_SET_ONE_REG</c> = <c>_IOW(KVMIO, 0xac, struct kvm_one_reg)</c> (16 bytes).</summary>
    internal const uint SetOneRegister = Write | (16u << 16) | (KvmIo << 8) | 0xACu;

    /// <summary><c>KVM_ARM_VCPU_INIT</c> = <c>_IOW(KVMIO, 0xae, struct kvm_vcpu_init)</c> (32 bytes), arm64 only.</summary>
    internal const uint ArmVcpuInit = Write | (32u << 16) | (KvmIo << 8) | 0xAEu;

    /// <summary><c>KVM_ARM_PREFERRED_TARGET</c> = <c>_IOR(KVMIO, 0xaf, struct kvm_vcpu_init)</c> (32 bytes), arm64 only, on the VM.</summary>
    internal const uint ArmPreferredTarget = Read | (32u << 16) | (KvmIo << 8) | 0xAFu;

    private const uint Write = 1u << 30;
    private const uint Read = 2u << 30;
}
