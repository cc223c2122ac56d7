namespace SparseVirt.Hypervisor;

/// <summary>The kernel's side: KVM modules, the CPU flags the kernel kept, and the firmware setting.</summary>
public sealed record KernelFacts
{
    /// <summary>The KVM modules present in /sys/module (loaded or built in), in name order.</summary>
    public IReadOnlyList<KernelModuleFact> Modules { get; init => field = value ?? []; } = [];

    /// <summary>
    /// Whether /proc/cpuinfo lists <c>vmx</c>. The kernel clears the flag when firmware disabled VT-x, so CPUID
    /// saying VMX while this is false explains a missing /dev/kvm without needing root. Null when unreadable.
    /// </summary>
    public bool? CpuInfoVmx { get; init; }

    /// <summary>Whether /proc/cpuinfo lists <c>svm</c>; null when unreadable.</summary>
    public bool? CpuInfoSvm { get; init; }

    /// <summary>The firmware setting, from the MSR when readable, otherwise from the kernel's flags.</summary>
    public FirmwareVirtualizationState Firmware { get; init; }

    /// <summary>How <see cref="Firmware"/> was decided, or why it is unknown.</summary>
    public string? FirmwareEvidence { get; init; }

    /// <summary>True when a module of that name is present.</summary>
    public bool HasModule(string name) => Modules.Any(module => module.Name == name);
}
