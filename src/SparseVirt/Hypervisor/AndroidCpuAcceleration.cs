namespace SparseVirt.Hypervisor;

/// <summary>
/// The Android Emulator's acceleration check codes (<c>AndroidCpuAcceleration</c>, <c>ANDROID_CPU_ACCELERATION_*</c>
/// in the emulator's <c>cpu_accelerator.h</c>), which <c>emulator -accel-check</c> prints and exits with and which
/// Android Studio and CI scripts rely on. The values are the emulator's and never change.
/// </summary>
public enum AndroidCpuAcceleration
{
    /// <summary><c>ANDROID_CPU_ACCELERATION_READY</c>: acceleration is available.</summary>
    Ready = 0,

    /// <summary><c>ANDROID_CPU_ACCELERATION_NESTED_NOT_SUPPORTED</c>: a VM without nested virtualization.</summary>
    NestedNotSupported = 1,

    /// <summary><c>ANDROID_CPU_ACCELERATION_INTEL_REQUIRED</c>: HAXM needs an Intel processor.</summary>
    IntelRequired = 2,

    /// <summary><c>ANDROID_CPU_ACCELERATION_NO_CPU_SUPPORT</c>: the CPU lacks VT-x/SVM (or what the accelerator needs).</summary>
    NoCpuSupport = 3,

    /// <summary><c>ANDROID_CPU_ACCELERATION_NO_CPU_VTX_SUPPORT</c>: the CPU lacks VT-x.</summary>
    NoCpuVtxSupport = 4,

    /// <summary><c>ANDROID_CPU_ACCELERATION_NO_CPU_NX_SUPPORT</c>: the CPU lacks NX.</summary>
    NoCpuNxSupport = 5,

    /// <summary><c>ANDROID_CPU_ACCELERATION_ACCEL_NOT_INSTALLED</c>: the accelerator is not installed.</summary>
    AccelNotInstalled = 6,

    /// <summary><c>ANDROID_CPU_ACCELERATION_ACCEL_OBSOLETE</c>: the accelerator is obsolete.</summary>
    AccelObsolete = 7,

    /// <summary><c>ANDROID_CPU_ACCELERATION_DEV_NOT_FOUND</c>: /dev/kvm is missing (module not loaded or VT off).</summary>
    DevNotFound = 8,

    /// <summary><c>ANDROID_CPU_ACCELERATION_VT_DISABLED</c>: VT is disabled in firmware.</summary>
    VtDisabled = 9,

    /// <summary><c>ANDROID_CPU_ACCELERATION_NX_DISABLED</c>: NX is disabled in firmware.</summary>
    NxDisabled = 10,

    /// <summary><c>ANDROID_CPU_ACCELERATION_DEV_PERMISSION</c>: the device refused this user.</summary>
    DevPermission = 11,

    /// <summary><c>ANDROID_CPU_ACCELERATION_DEV_OPEN_FAILED</c>: the device could not be opened.</summary>
    DevOpenFailed = 12,

    /// <summary><c>ANDROID_CPU_ACCELERATION_DEV_IOCTL_FAILED</c>: the device answered but a request failed.</summary>
    DevIoctlFailed = 13,

    /// <summary><c>ANDROID_CPU_ACCELERATION_DEV_OBSOLETE</c>: the device's API is too old.</summary>
    DevObsolete = 14,

    /// <summary><c>ANDROID_CPU_ACCELERATION_HYPERV_ENABLED</c>: Hyper-V blocks the driver (unless WHPX is used).</summary>
    HyperVEnabled = 15,

    /// <summary><c>ANDROID_CPU_ACCELERATION_ERROR</c>: some other error.</summary>
    Error = 138,
}
