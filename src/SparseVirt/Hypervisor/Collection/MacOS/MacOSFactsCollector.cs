namespace SparseVirt.Hypervisor.Collection.MacOS;

/// <summary>Gathers <see cref="MacOSFacts"/> through an <see cref="IMacOSHost"/>.</summary>
internal sealed class MacOSFactsCollector(IMacOSHost host)
{
    public MacOSFacts Collect(CancellationToken cancellationToken)
    {
        var facts = new MacOSFacts
        {
            ProductVersion = host.SysctlString("kern.osproductversion"),
            CpuBrand = host.SysctlString("machdep.cpu.brand_string"),
            Arm64Hardware = host.SysctlInteger("hw.optional.arm64"),
            HypervisorSupport = host.SysctlInteger("kern.hv_support"),
            VirtualMachine = host.SysctlInteger("kern.hv_vmm_present"),
            ProcessTranslated = host.SysctlInteger("sysctl.proc_translated"),
            FrameworkLoad = host.LoadFramework(),
        };
        cancellationToken.ThrowIfCancellationRequested();
        if (!facts.FrameworkLoad.Succeeded)
        {
            return facts;
        }

        // The VM is asked for even when kern.hv_support says 0: its hv_return_t (HV_UNSUPPORTED, HV_DENIED) is the
        // kernel's own answer. A VM that was created runs the trial guest, then is destroyed.
        SystemCallOutcome created = host.CreateVm();
        if (!created.Succeeded)
        {
            return facts with { VmCreate = created };
        }
        // A VM that is created proves only that the framework answers: a guest has to run on it. The trial program
        // is arm64; Intel Macs' API needs the VMCS programmed field by field, which no trial is written for.
        KvmTrialFacts trial;
        try
        {
            trial = facts.AppleSilicon && !facts.UnderRosetta ? host.RunTrialGuest(cancellationToken) : IntelTrial;
        }
        catch (OperationCanceledException)
        {
            // The process keeps no VM behind it: HVF allows one per process, and the caller may check again.
            host.DestroyVm();
            throw;
        }
        return facts with
        {
            VmCreate = created,
            Trial = trial,
            VmDestroy = host.DestroyVm(),
        };
    }

    private static readonly KvmTrialFacts IntelTrial = new()
    {
        Supported = false,
        NotSupportedReason = "no trial guest is written for Hypervisor.framework on Intel Macs (its x86 API programs the VMCS field by field): hv_vm_create is the last proof there",
    };
}
