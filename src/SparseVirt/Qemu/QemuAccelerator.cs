namespace SparseVirt.Qemu;

/// <summary>A QEMU accelerator (<c>-accel</c>). QEMU tries them in the order given and uses the first that initializes.</summary>
public enum QemuAccelerator
{
    /// <summary>Linux KVM (<c>/dev/kvm</c>).</summary>
    Kvm,

    /// <summary>Apple Hypervisor.framework (macOS only).</summary>
    Hvf,

    /// <summary>Windows Hypervisor Platform (Windows only).</summary>
    Whpx,

    /// <summary>The Tiny Code Generator: software emulation, available everywhere and much slower.</summary>
    Tcg,
}
