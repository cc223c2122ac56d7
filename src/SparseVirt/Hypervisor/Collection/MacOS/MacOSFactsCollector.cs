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

        // The trial is made even when kern.hv_support says 0: its hv_return_t (HV_UNSUPPORTED, HV_DENIED) is the
        // kernel's own answer and is what decides. A VM that was created is destroyed at once.
        SystemCallOutcome created = host.CreateVm();
        return facts with
        {
            VmCreate = created,
            VmDestroy = created.Succeeded ? host.DestroyVm() : null,
        };
    }
}
