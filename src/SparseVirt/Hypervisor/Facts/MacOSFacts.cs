namespace SparseVirt.Hypervisor;

/// <summary>
/// What macOS says (schema 2): <c>sysctlbyname</c> answers (each an outcome whose <c>value</c> is the integer read)
/// and a trial <c>hv_vm_create</c>/<c>hv_vm_destroy</c>.
/// </summary>
public sealed record MacOSFacts
{
    /// <summary><c>kern.osproductversion</c> (<c>14.5</c>).</summary>
    public string? ProductVersion { get; init; }

    /// <summary><c>machdep.cpu.brand_string</c> (<c>Apple M2</c>, <c>Intel(R) Core(TM) i7-...</c>).</summary>
    public string? CpuBrand { get; init; }

    /// <summary><c>hw.optional.arm64</c>: 1 on Apple silicon, also for a process under Rosetta; missing (<c>notFound</c>) on Intel Macs.</summary>
    public SystemCallOutcome? Arm64Hardware { get; init; }

    /// <summary><c>kern.hv_support</c>: 1 when this Mac's CPU and macOS support Hypervisor.framework.</summary>
    public SystemCallOutcome? HypervisorSupport { get; init; }

    /// <summary><c>kern.hv_vmm_present</c>: 1 when this Mac is itself a virtual machine.</summary>
    public SystemCallOutcome? VirtualMachine { get; init; }

    /// <summary><c>sysctl.proc_translated</c>: 1 when this process is x86-64 code translated by Rosetta; missing on Intel Macs.</summary>
    public SystemCallOutcome? ProcessTranslated { get; init; }

    /// <summary>Loading Hypervisor.framework.</summary>
    public SystemCallOutcome? FrameworkLoad { get; init; }

    /// <summary><c>hv_vm_create</c> with default options; its <c>nativeCode</c> is the <c>hv_return_t</c>. The trial guest then decides.</summary>
    public SystemCallOutcome? VmCreate { get; init; }

    /// <summary>
    /// The trial guest run on the VM (schema 3; Apple silicon): the arm64 program of the KVM trial, run with
    /// <c>hv_vcpu_run</c>. On Intel Macs it says that no trial is written (<c>supported</c> false). Null when no VM
    /// was created, and in facts recorded before the trial existed.
    /// </summary>
    public KvmTrialFacts? Trial { get; init; }

    /// <summary><c>hv_vm_destroy</c> of the trial VM.</summary>
    public SystemCallOutcome? VmDestroy { get; init; }

    /// <summary>True when <see cref="Arm64Hardware"/> read 1.</summary>
    public bool AppleSilicon => Arm64Hardware is { Succeeded: true, Value: 1 };

    /// <summary>True when <see cref="ProcessTranslated"/> read 1.</summary>
    public bool UnderRosetta => ProcessTranslated is { Succeeded: true, Value: 1 };
}
