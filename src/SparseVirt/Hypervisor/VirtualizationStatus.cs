namespace SparseVirt.Hypervisor;

/// <summary>
/// The verdict on whether this host can run KVM-accelerated virtual machines. The numeric values are stable and
/// may be relied on by installers; JSON carries the name.
/// </summary>
public enum VirtualizationStatus
{
    /// <summary>KVM_CREATE_VM succeeded: accelerated VMs can run.</summary>
    Ready = 0,

    /// <summary>The CPU has neither Intel VT-x nor AMD-V, and this is not a virtual machine.</summary>
    NoCpuSupport = 1,

    /// <summary>The CPU supports virtualization but firmware (BIOS/UEFI) turned it off.</summary>
    DisabledInFirmware = 2,

    /// <summary>The CPU supports virtualization but the KVM kernel module for it is not loaded.</summary>
    ModuleNotLoaded = 3,

    /// <summary>KVM is loaded but the device node is missing (or has no driver behind it).</summary>
    DeviceMissing = 4,

    /// <summary>The device exists but this process may not open it, or the kernel refused to create a VM for it.</summary>
    PermissionDenied = 5,

    /// <summary>KVM_CREATE_VM failed with EBUSY: another hypervisor (VirtualBox, VMware ...) holds the CPU's virtualization extensions.</summary>
    DeviceBusy = 6,

    /// <summary>KVM_GET_API_VERSION did not return 12.</summary>
    ApiVersionMismatch = 7,

    /// <summary>This is a virtual machine whose hypervisor does not pass virtualization extensions through (nested virtualization is off).</summary>
    NestedVirtualizationUnavailable = 8,

    /// <summary>Not Linux: KVM does not exist on this operating system.</summary>
    UnsupportedOperatingSystem = 9,

    /// <summary>This is a container started without the KVM device passed in.</summary>
    ContainerWithoutDevice = 10,

    /// <summary>The device path opens but does not answer KVM ioctls (ENOTTY): it is some other file.</summary>
    NotAKvmDevice = 11,

    /// <summary>The device answered but KVM_CREATE_VM failed for another reason (memory, file limits ...).</summary>
    CreateVmFailed = 12,

    /// <summary>The device could not be opened for a reason not covered above.</summary>
    ProbeFailed = 13,
}
