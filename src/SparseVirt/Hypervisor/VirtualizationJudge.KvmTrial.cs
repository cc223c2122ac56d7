using System.Globalization;

namespace SparseVirt.Hypervisor;

public static partial class VirtualizationJudge
{
    /// <summary>
    /// The slowest loop iteration, in nanoseconds, that still counts as hardware virtualization. The trial's
    /// <c>dec</c>/<c>jnz</c> iteration takes about a cycle (under 1 ns) where the CPU runs the guest itself; the PVM
    /// host of issue 21 emulates supervisor code at about 1,250 ns an iteration, and TCG runs it in a few. 50 ns is
    /// fifty times the one and a twenty-fifth of the other.
    /// </summary>
    public const double HardwareSpeedLimitNanoseconds = 50;

    /// <summary>The kernel module of PVM, the pagetable-based paravirtual KVM for nested use (no VT-x/AMD-V needed).</summary>
    internal const string PvmModule = "kvm_pvm";

    private static VirtualizationVerdict JudgeTrialGuest(HostFacts facts, KvmFacts kvm)
    {
        string where = facts.Environment.InVirtualMachine
            ? $" (nested, inside a {facts.Environment.HypervisorName ?? "hypervisor"} guest)"
            : "";
        return JudgeTrial(
            facts,
            kvm.Trial,
            new TrialPlace($"KVM_CREATE_VM succeeded on {kvm.DevicePath}{where}", $"on {kvm.DevicePath}{where}", "KVM_CREATE_VM", KernelLog),
            ParavirtualBackend(facts));
    }

    /// <summary>
    /// The verdict once the VM (partition) was created: the trial guest decides. Fact sets recorded before the trial
    /// existed (schema 1 and 2) keep the verdict they were recorded with; an architecture without a trial program
    /// keeps the VM's creation as its proof.
    /// </summary>
    private static VirtualizationVerdict JudgeTrial(HostFacts facts, KvmTrialFacts? trial, TrialPlace place, string? backend)
    {
        if (trial is null)
        {
            return facts.SchemaVersion <= 2
                ? Verdict(VirtualizationStatus.Ready, $"{place.Created}: accelerated VMs can run (recorded with schema {facts.SchemaVersion}, before the trial guest)")
                : Verdict(
                    VirtualizationStatus.GuestCannotRun,
                    $"{place.Created}, but no trial guest was run, so no guest is proven to run",
                    [$"Run the check again: it runs a trial guest whenever {place.FirstProof} succeeds."]);
        }
        if (!trial.Supported)
        {
            return Verdict(VirtualizationStatus.Ready, $"{place.Created}: accelerated VMs can run ({trial.NotSupportedReason})");
        }
        return JudgeTrialRun(facts, trial, place, backend);
    }

    /// <summary>Where a trial ran, in a verdict's words: what succeeded before it, the place it ran, and where the host logs why a guest failed.</summary>
    private sealed record TrialPlace(string Created, string On, string FirstProof, string LookForCause);

    private const string KernelLog = "Look for the kernel's explanation: sudo dmesg | grep -i kvm; and update the host kernel, whose KVM failed a guest that hardware virtualization runs.";

    /// <summary>
    /// The verdict on a trial guest that was run (KVM, WHPX, HVF alike): ready only when it completed at hardware speed.
    /// <paramref name="backend"/> names a paravirtual backend that explains a failure.
    /// </summary>
    private static VirtualizationVerdict JudgeTrialRun(HostFacts facts, KvmTrialFacts trial, TrialPlace place, string? backend)
    {
        if (!trial.Completed)
        {
            string failure = trial.Failure ?? "it did not finish";
            string cause = backend is not null ? $". {backend}" : "";
            return Verdict(
                VirtualizationStatus.GuestCannotRun,
                $"{place.Created}, but a standard guest cannot run: the trial guest failed with {failure}{cause}",
                CannotRunRemediation(facts, backend, emulated: false, place.LookForCause));
        }

        double? perIteration = trial.LoopNanosecondsPerIteration;
        if (perIteration is not { } speed || speed > HardwareSpeedLimitNanoseconds)
        {
            string measured = perIteration is { } known
                ? $"{Number(known)} ns per loop iteration ({Number(known / HardwareSpeedLimitNanoseconds)} times the {Number(HardwareSpeedLimitNanoseconds)} ns limit of hardware virtualization)"
                : "no loop timing";
            return Verdict(
                VirtualizationStatus.EmulatedOnly,
                $"a trial guest runs {place.On}, but emulated: {measured}{(backend is not null ? $". {backend}" : "")}",
                CannotRunRemediation(facts, backend, emulated: true, place.LookForCause));
        }

        string exit = trial.ExitMicroseconds is { } exitCost ? $", {Number(exitCost)} µs per exit" : "";
        (string mode, string passed) = trial.Architecture == "arm64"
            ? ("at EL1", "system-register reads and writes, guest memory and MMIO results")
            : ("in long mode", "CPUID, CR and MSR writes, LOCK CMPXCHG16B");
        return Verdict(
            VirtualizationStatus.Ready,
            $"a trial guest ran {place.On} {mode} at hardware speed ({Number(speed)} ns per loop iteration{exit}; {place.FirstProof}, {passed} all passed): accelerated VMs can run");
    }

    /// <summary>Names a paravirtual KVM backend that runs only guests built for it, when the facts show one.</summary>
    private static string? ParavirtualBackend(HostFacts facts)
    {
        if (!facts.Kernel.HasModule(PvmModule))
        {
            return null;
        }
        string cpu = facts.Cpu is { HasVirtualizationExtensions: false } ? "; the CPU shows neither VT-x nor AMD-V" : "";
        return $"This KVM is {PvmModule} (PVM, a pagetable-based paravirtual KVM for nested use{cpu}): it runs only PVM-enabled guest kernels, not standard ones";
    }

    private static List<string> CannotRunRemediation(HostFacts facts, string? backend, bool emulated, string lookForCause)
    {
        var steps = new List<string>
        {
            "Use QEMU's software emulation here (-accel tcg; the report's best accelerator is TCG on this host), which " +
                (emulated ? "is faster here." : "runs every guest."),
        };
        if (backend is not null)
        {
            steps.Add("Only a guest kernel built with PVM guest support (CONFIG_PVM_GUEST) runs on this KVM; Android's and distributions' kernels are not built so.");
        }
        // Hyper-V's root partition (Windows on bare metal with Hyper-V on) hides VT-x from CPUID: that is not nesting.
        if (facts.Cpu is { HasVirtualizationExtensions: false, HyperVRootPartition: not true } cpu && (cpu.HypervisorPresent || backend is not null))
        {
            steps.AddRange(NestedRemediation(cpu, facts.Environment));
        }
        else
        {
            steps.Add(lookForCause);
        }
        return steps;
    }

    // A PVM backend compiled in without a /dev/kvm: it does not bind in a kernel that is itself a guest without VT-x/AMD-V.
    private static string PvmWithoutDevice(HostFacts facts) =>
        facts.Kernel.HasModule(PvmModule) ? $"; the kernel has {PvmModule} (PVM) built in, but it offers no device here, as PVM does not bind in a kernel that is itself such a guest" : "";

    private static string Number(double value) => value.ToString(value >= 100 ? "0" : value >= 10 ? "0.#" : "0.###", CultureInfo.InvariantCulture);
}
