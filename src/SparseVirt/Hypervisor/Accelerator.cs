namespace SparseVirt.Hypervisor;

/// <summary>A CPU accelerator a virtual machine monitor can use. Values are stable (JSON carries the name).</summary>
public enum Accelerator
{
    /// <summary>QEMU's software emulation (Tiny Code Generator): always available, many times slower.</summary>
    Tcg = 0,

    /// <summary>Linux KVM (<c>/dev/kvm</c>).</summary>
    Kvm = 1,

    /// <summary>The Windows Hypervisor Platform (WinHvPlatform.dll on Hyper-V's hypervisor).</summary>
    Whpx = 2,

    /// <summary>Apple's Hypervisor.framework.</summary>
    Hvf = 3,

    /// <summary>The Android Emulator hypervisor driver for Windows (<c>\\.\AEHD</c>); retired at the end of 2026.</summary>
    Aehd = 4,

    /// <summary>Intel HAXM (<c>\\.\HAX</c>); discontinued.</summary>
    Haxm = 5,
}
