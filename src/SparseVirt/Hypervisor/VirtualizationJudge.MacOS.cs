namespace SparseVirt.Hypervisor;

public static partial class VirtualizationJudge
{
    // hv_return_t values (Hypervisor/hv_error.h), as recorded in MacOSFacts.VmCreate.NativeCode.
    private const int HvBusy = unchecked((int)0xfae94002);
    private const int HvDenied = unchecked((int)0xfae94007);
    private const int HvUnsupported = unchecked((int)0xfae9400f);

    private const string EntitlementsFile =
        "Create hypervisor.entitlements holding <?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict><key>com.apple.security.hypervisor</key><true/></dict></plist>, " +
        "then sign the executable with it: codesign --sign - --entitlements hypervisor.entitlements --force /path/to/executable " +
        "(for distribution, sign with your Developer ID and --options runtime instead of -).";

    private const string MacOSHypervisorLog =
        "Look for the reason in the system log: log show --last 5m --predicate 'subsystem == \"com.apple.Hypervisor\"'; and update macOS, whose hypervisor failed a guest that hardware virtualization runs.";

    private static VirtualizationVerdict JudgeHvf(HostFacts facts, MacOSFacts macOS)
    {
        SystemCallOutcome? create = macOS.VmCreate;
        bool virtualMachine = macOS.VirtualMachine is { Succeeded: true, Value: 1 };

        if (create?.Succeeded == true)
        {
            string nested = virtualMachine ? " (nested, inside a virtual machine)" : "";
            return JudgeTrial(
                facts,
                macOS.Trial,
                new TrialPlace($"hv_vm_create succeeded{nested}", $"on Hypervisor.framework{nested}", "hv_vm_create", MacOSHypervisorLog),
                backend: null);
        }
        if (macOS.UnderRosetta)
        {
            return Verdict(
                VirtualizationStatus.RunningUnderRosetta,
                $"this process is x86-64 code translated by Rosetta (sysctl.proc_translated = 1){(create is null ? "" : $"; hv_vm_create returned {create}")}: a translated process cannot use Hypervisor.framework",
                [
                    "Run the native Apple silicon (arm64) build: publish .NET programs with -r osx-arm64, and use an arm64 QEMU (Homebrew under /opt/homebrew).",
                    "Check a shell's architecture with: arch (arm64 is native, i386 is Rosetta).",
                ]);
        }
        if (create?.NativeCode == HvDenied)
        {
            return Verdict(
                VirtualizationStatus.EntitlementMissing,
                $"hv_vm_create returned {create}: the executable is not signed with the com.apple.security.hypervisor entitlement",
                [EntitlementsFile, "Check the signature's entitlements with: codesign -d --entitlements - /path/to/executable"]);
        }
        bool unsupported = macOS.HypervisorSupport is { Succeeded: true, Value: 0 } || create?.NativeCode == HvUnsupported;
        if (unsupported)
        {
            return HvfUnsupported(facts, macOS, create, virtualMachine);
        }
        return JudgeHvfFailure(macOS, create);
    }

    // kern.hv_support reads 0, or hv_vm_create says unsupported: the hardware (or the hypervisor hosting this Mac) lacks it.
    private static VirtualizationVerdict HvfUnsupported(HostFacts facts, MacOSFacts macOS, SystemCallOutcome? create, bool virtualMachine)
    {
        if (virtualMachine)
        {
            var steps = new List<string>();
            if (facts.Cpu is { } cpu)
            {
                steps.AddRange(NestedRemediation(cpu, facts.Environment));
            }
            else
            {
                steps.Add("Run on a physical Mac: hosted macOS CI runners and most macOS VMs offer no nested virtualization (kern.hv_support reads 0 there).");
                steps.Add("Apple silicon offers nested virtualization only from M3 with macOS 15, to Linux guests of Virtualization.framework that enable it.");
            }
            return Verdict(
                VirtualizationStatus.NestedVirtualizationUnavailable,
                $"this Mac is itself a virtual machine (kern.hv_vmm_present = 1) and its hypervisor offers no nested virtualization (kern.hv_support = {macOS.HypervisorSupport?.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}{(create is null ? "" : $", hv_vm_create {create}")})",
                steps);
        }
        return Verdict(
            VirtualizationStatus.NoCpuSupport,
            $"Hypervisor.framework is not supported on this Mac (kern.hv_support = {macOS.HypervisorSupport?.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}{(create is null ? "" : $", hv_vm_create {create}")}): its CPU lacks what the framework needs (Intel Macs need VT-x with EPT and unrestricted guest)",
            ["Use a Mac that supports Hypervisor.framework (Apple silicon, or an Intel Mac from 2010 on); QEMU can still emulate (-accel tcg)."]);
    }

    private static VirtualizationVerdict JudgeHvfFailure(MacOSFacts macOS, SystemCallOutcome? create)
    {
        if (macOS.FrameworkLoad is { Succeeded: false } load)
        {
            return Verdict(
                VirtualizationStatus.ProbeFailed,
                $"Hypervisor.framework could not be loaded ({load})",
                ["Hypervisor.framework ships with macOS 10.10 and later: update macOS, or check that /System/Library/Frameworks/Hypervisor.framework exists."]);
        }
        if (create is null)
        {
            return Verdict(VirtualizationStatus.ProbeFailed, "hv_vm_create was not attempted, so readiness is unproven", ["Run the check again on macOS."]);
        }
        return create.NativeCode == HvBusy
            ? Verdict(
                VirtualizationStatus.DeviceBusy,
                $"hv_vm_create returned {create}: this process already has a VM (Hypervisor.framework allows one per process)",
                ["Run the check in a process that has no VM of its own (sparsevirt check), or destroy the process's VM first."])
            : Verdict(
                VirtualizationStatus.CreateVmFailed,
                $"Hypervisor.framework is supported but hv_vm_create returned {create}",
                create.Error == SystemCallError.OutOfMemory
                    ? ["Free memory (close other VMs), then retry."]
                    : ["Look for the reason in the system log: log show --last 5m --predicate 'subsystem == \"com.apple.Hypervisor\"'."]);
    }
}
