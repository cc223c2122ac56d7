namespace SparseVirt.Hypervisor;

/// <summary>
/// The verdict on whether an accelerator (KVM, WHPX, HVF, AEHD, HAXM) can run virtual machines for this process.
/// The numeric values are stable and may be relied on by installers (new ones are only ever appended); JSON
/// carries the name.
/// </summary>
public enum VirtualizationStatus
{
    /// <summary>The trial succeeded (a trial guest ran at hardware speed on KVM, WHPX or HVF; an AEHD or HAXM driver answered): accelerated VMs can run.</summary>
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

    /// <summary>The accelerator answered but the trial VM (KVM_CREATE_VM, a WHPX partition, hv_vm_create) failed for another reason.</summary>
    CreateVmFailed = 12,

    /// <summary>The device could not be opened, or the accelerator's library not loaded, for a reason not covered above.</summary>
    ProbeFailed = 13,

    /// <summary>Windows: the "Windows Hypervisor Platform" feature is off (WinHvPlatform.dll is missing).</summary>
    HypervisorPlatformDisabled = 14,

    /// <summary>Windows: the Hypervisor Platform is installed but the hypervisor is not running (not launched at boot).</summary>
    HypervisorNotRunning = 15,

    /// <summary>Windows: Hyper-V's hypervisor runs and owns VT-x/AMD-V, so a driver that needs them to itself (AEHD, HAXM) cannot start.</summary>
    HyperVOwnsVirtualization = 16,

    /// <summary>Windows: virtualization-based security or memory integrity (HVCI) keeps the hypervisor running, which blocks AEHD and HAXM.</summary>
    VirtualizationBasedSecurityActive = 17,

    /// <summary>Windows: a feature change waits for a reboot before the accelerator can work.</summary>
    RebootPending = 18,

    /// <summary>macOS: hv_vm_create returned HV_DENIED: the executable lacks the com.apple.security.hypervisor entitlement.</summary>
    EntitlementMissing = 19,

    /// <summary>macOS: this is an x86-64 process translated by Rosetta, which cannot use Hypervisor.framework.</summary>
    RunningUnderRosetta = 20,

    /// <summary>The accelerator (a Windows driver such as AEHD or HAXM) is not installed.</summary>
    AcceleratorNotInstalled = 21,

    /// <summary>
    /// The hypervisor answers (KVM_CREATE_VM, WHvSetupPartition or hv_vm_create succeeded) but cannot run a standard
    /// guest: the trial guest failed (an emulation failure, a refused entry, a wrong result, a time-out).
    /// Paravirtual KVM backends for nested use (PVM) do this.
    /// </summary>
    GuestCannotRun = 22,

    /// <summary>
    /// The hypervisor (KVM, WHPX, HVF) runs the trial guest correctly, but at the speed of instruction emulation, hundreds of times slower than
    /// hardware virtualization (and than QEMU's TCG).
    /// </summary>
    EmulatedOnly = 23,
}
