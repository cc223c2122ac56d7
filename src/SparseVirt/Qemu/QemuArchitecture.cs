namespace SparseVirt.Qemu;

/// <summary>The guest architecture a QEMU system emulator targets; it picks the <c>qemu-system-*</c> binary.</summary>
public enum QemuArchitecture
{
    /// <summary>64-bit x86, run by <c>qemu-system-x86_64</c>.</summary>
    X86_64,

    /// <summary>64-bit Arm, run by <c>qemu-system-aarch64</c>.</summary>
    Aarch64,
}
