using System.Globalization;
using System.Text;
using System.Text.Json;
using SparseVirt.Hypervisor;

namespace SparseVirt.Cli.Commands;

/// <summary>The human-readable report of <c>sparsevirt check</c>: the verdict and what to do, then the facts behind it.</summary>
internal static class CheckReportText
{
    /// <summary>The human-readable report: verdict, remediation, then the facts behind it.</summary>
    internal static string Describe(HostVirtualizationReport report)
    {
        var text = new StringBuilder();
        VirtualizationVerdict verdict = report.Verdict;
        string primary = report.Accelerators.Count > 0 ? Name(report.IsReady ? report.BestAccelerator : report.Accelerators[0].Accelerator) : "KVM";
        text.AppendLine(CultureInfo.InvariantCulture, $"{primary} acceleration: {(report.IsReady ? "READY" : "NOT READY")} ({StatusName(verdict.Status)}, status {verdict.StatusCode}); QEMU: -accel {report.QemuAccelerator}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Reason: {verdict.Reason}");
        if (verdict.Remediation.Count > 0)
        {
            text.AppendLine("What to do:");
            for (int i = 0; i < verdict.Remediation.Count; i++)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {i + 1}. {verdict.Remediation[i]}");
            }
        }

        if (report.Accelerators.Count > 0)
        {
            text.AppendLine("Accelerators:");
            foreach (AcceleratorVerdict accelerator in report.Accelerators)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {Name(accelerator.Accelerator),-5} {(accelerator.IsUsable ? "usable" : "not usable")} ({StatusName(accelerator.Verdict.Status)}): {accelerator.Verdict.Reason}");
            }
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Android Emulator: {report.Emulator.CodeValue} {report.Emulator.Symbol}");
        DescribeFacts(text, report.Facts);
        if (report.ElapsedMilliseconds is { } elapsed)
        {
            Line(text, "Check took", $"{elapsed.ToString("F1", CultureInfo.InvariantCulture)} ms");
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>The facts the verdict rests on, one labelled line each.</summary>
    private static void DescribeFacts(StringBuilder text, HostFacts facts)
    {
        text.AppendLine("Facts:");
        string? release = facts.OperatingSystem.KernelRelease ?? facts.Windows?.Version ?? facts.MacOS?.ProductVersion;
        Line(text, "System", $"{facts.OperatingSystem.Kind} {release} ({facts.OperatingSystem.Architecture})");
        Line(text, "CPU", facts.Cpu is { } cpu ? DescribeCpu(cpu) : "not x86: no CPUID facts");
        if (facts.Windows is { } windows)
        {
            DescribeWindows(text, windows);
        }
        if (facts.MacOS is { } macOS)
        {
            DescribeMacOS(text, macOS);
        }
        Line(text, "KVM device", DescribeDevice(facts.Kvm));
        if (facts.Kvm.Capabilities.Count > 0)
        {
            Line(text, "Capabilities", string.Join(", ", facts.Kvm.Capabilities.Select(c => $"{c.Name}={(c.Value?.ToString(CultureInfo.InvariantCulture) ?? c.Error?.ToString() ?? "?")}")));
        }
        if (facts.Kvm.Trial is { } trial)
        {
            Line(text, "Trial guest", DescribeTrial(trial));
        }
        Line(text, "Modules", facts.Kernel.Modules.Count == 0
            ? "no KVM module in /sys/module"
            : string.Join(", ", facts.Kernel.Modules.Select(m => $"{m.Name} ({(m.BuiltIn ? "built-in" : m.State)}{(m.Nested is null ? "" : $", nested={m.Nested}")})")));
        Line(text, "Firmware", $"{facts.Kernel.Firmware}: {facts.Kernel.FirmwareEvidence}");
        Line(text, "Environment", DescribeEnvironment(facts.Environment));
        Line(text, "User", facts.Identity.EffectiveUid is { } uid
            ? $"{facts.Identity.UserName ?? "?"} (uid {uid}, gid {facts.Identity.EffectiveGid}, groups {(facts.Identity.SupplementaryGroups.Count == 0 ? "none" : string.Join(',', facts.Identity.SupplementaryGroups))})"
            : "not read on this system");
    }

    private static void DescribeWindows(StringBuilder text, WindowsFacts windows)
    {
        WindowsHypervisorPlatformFacts platform = windows.HypervisorPlatform;
        Line(text, "Windows", $"build {windows.Build?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}; PF_VIRT_FIRMWARE_ENABLED {Flag(windows.VirtualizationFirmwareEnabled)} (false whenever a hypervisor runs), SLAT {Flag(windows.SecondLevelAddressTranslation)}, NX {Flag(windows.NxEnabled)}");
        Line(text, "WHPX", $"WinHvPlatform.dll {platform.LibraryLoad?.ToString() ?? "not loaded"}; hypervisor present {platform.HypervisorPresent?.ToString() ?? "not asked"}; " +
            $"trial partition {platform.SetupPartition?.ToString() ?? platform.CreatePartition?.ToString() ?? "not attempted"}");
        Line(text, "Hyper-V", $"installed {Flag(windows.HyperVInstalled)}, hypervisor service {Flag(windows.HypervisorServiceInstalled)}, VBS {windows.VirtualizationBasedSecurity?.ToString(CultureInfo.InvariantCulture) ?? "unset"}, " +
            $"memory integrity {windows.MemoryIntegrity?.ToString(CultureInfo.InvariantCulture) ?? "unset"}, reboot pending {YesNo(windows.RebootPending)}");
        Line(text, "AEHD", DescribeDriver(windows.Aehd));
        Line(text, "HAXM", DescribeDriver(windows.Haxm));
    }

    private static void DescribeMacOS(StringBuilder text, MacOSFacts macOS)
    {
        Line(text, "macOS", $"{macOS.ProductVersion ?? "version unknown"} on {macOS.CpuBrand ?? "unknown CPU"} ({(macOS.AppleSilicon ? "Apple silicon" : "Intel")}{(macOS.UnderRosetta ? ", under Rosetta" : "")})");
        Line(text, "HVF", $"kern.hv_support {macOS.HypervisorSupport?.ToString() ?? "unread"}; kern.hv_vmm_present {macOS.VirtualMachine?.ToString() ?? "unread"}; " +
            $"hv_vm_create {macOS.VmCreate?.ToString() ?? "not attempted"}");
    }

    private static string DescribeDriver(WindowsDriverFacts driver) =>
        $"service {Flag(driver.ServiceInstalled)}; {driver.DevicePath ?? "device"} open {driver.Open?.ToString() ?? "not attempted"}{(driver.Version is null ? "" : $"; version {driver.Version}")}";

    private static string Name(Accelerator accelerator) => accelerator.ToString().ToUpperInvariant();

    private static string StatusName(VirtualizationStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    private static string Flag(bool? value) => value is null ? "unknown" : YesNo(value.Value);

    private static string DescribeCpu(CpuFacts cpu)
    {
        string hypervisor = cpu.HypervisorPresent ? $"; virtual machine of {cpu.HypervisorName} (signature '{cpu.HypervisorSignature}')" : "; not a virtual machine";
        return $"{cpu.BrandString ?? cpu.Vendor} [{cpu.Vendor}]; VMX {YesNo(cpu.Vmx)}, SVM {YesNo(cpu.Svm)}" +
            (cpu.SvmNestedPaging is { } npt ? $", nested paging {YesNo(npt)}" : "") + hypervisor;
    }

    private static string DescribeDevice(KvmFacts kvm)
    {
        if (!kvm.Applicable)
        {
            return $"not applicable: {kvm.NotApplicableReason}";
        }
        if (kvm.FileType == DeviceFileType.Missing)
        {
            return $"{kvm.DevicePath} missing";
        }
        var parts = new List<string> { $"{kvm.DevicePath} {kvm.FileType}" };
        if (kvm.DeviceMajor is { } major)
        {
            parts.Add($"{major}:{kvm.DeviceMinor}");
        }
        if (kvm.Mode is not null)
        {
            parts.Add($"mode {kvm.Mode} {kvm.OwnerName ?? kvm.OwnerUid?.ToString(CultureInfo.InvariantCulture)}:{kvm.GroupName ?? kvm.GroupGid?.ToString(CultureInfo.InvariantCulture)}");
        }
        parts.Add($"access {kvm.Access}");
        parts.Add($"open {kvm.Open?.ToString() ?? "not attempted"}");
        if (kvm.ApiVersion is not null)
        {
            parts.Add($"API version {kvm.ApiVersion}");
        }
        if (kvm.VcpuMmapSize is not null)
        {
            parts.Add($"vCPU mmap size {kvm.VcpuMmapSize}");
        }
        if (kvm.CreateVm is not null)
        {
            parts.Add($"KVM_CREATE_VM {kvm.CreateVm}");
        }
        return string.Join("; ", parts);
    }

    private static string DescribeEnvironment(EnvironmentFacts environment)
    {
        var parts = new List<string>
        {
            environment.InContainer ? $"container ({environment.ContainerRuntime ?? "runtime unknown"}: {string.Join("; ", environment.ContainerEvidence)})" : "not a container",
            environment.InWsl ? $"WSL{environment.WslVersion}" : "not WSL",
            environment.InVirtualMachine ? $"VM of {environment.HypervisorName}" : "no hypervisor seen",
        };
        return string.Join("; ", parts);
    }

    private static string DescribeTrial(KvmTrialFacts trial)
    {
        if (!trial.Supported)
        {
            return $"not run: {trial.NotSupportedReason}";
        }
        string outcome = trial.Completed ? "ran to HLT, every result right" : $"failed at {trial.FailedAt ?? "?"}: {trial.Failure}";
        string loop = trial.LoopNanosecondsPerIteration is { } perIteration ? $"; loop {perIteration.ToString("0.###", CultureInfo.InvariantCulture)} ns/iteration" : "";
        string exit = trial.ExitMicroseconds is { } exitCost ? $", exit {exitCost.ToString("0.##", CultureInfo.InvariantCulture)} µs" : "";
        return $"{outcome}{loop}{exit} ({trial.Exits.Count} exits)";
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  {label,-13} {value}");

    private static string YesNo(bool value) => value ? "yes" : "no";
}
