using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Hypervisor;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt check [--json] [--device PATH]</c>: can this machine run KVM-accelerated VMs? Exit codes follow
/// kvm-ok: 0 ready, 1 not ready, 2 when the check itself failed.
/// </summary>
internal static class CheckCommand
{
    private const int NotReady = ExitCodes.Failure;

    // kvm-ok's convention, which installers scripting this check expect; it equals ExitCodes.Usage by value only.
    private const int InternalError = 2;

    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json")
        {
            Description = "Write the whole report (facts and verdict) as JSON to standard output; the schema is in docs/hypervisor.md.",
        };
        var device = new Option<string>("--device")
        {
            Description = "The KVM device to probe.",
            DefaultValueFactory = _ => HostVirtualizationOptions.DefaultKvmDevicePath,
            HelpName = "path",
        };
        var command = new Command(
            "check",
            "Check whether this machine can run KVM-accelerated VMs, and if not, why and what to do.\n" +
            "Exit codes: 0 ready, 1 not ready, 2 the check itself failed.")
        {
            json,
            device,
        };

        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            HostVirtualizationOptions options;
            try
            {
                options = HostVirtualizationOptions.Default.WithKvmDevicePath(context.GetValue(device));
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--device: {e.Message}");
            }

            HostVirtualizationReport report;
            try
            {
                var logger = context.LoggerFactory.CreateLogger("SparseVirt.Hypervisor");
                report = await HostVirtualization.DetectAsync(options, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await context.Console.Error.WriteLineAsync($"sparsevirt: the check itself failed: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
                return InternalError;
            }

            string text = context.GetValue(json) ? report.ToJson() : Describe(report);
            await context.Console.Out.WriteLineAsync(text).ConfigureAwait(false);
            return report.IsReady ? ExitCodes.Success : NotReady;
        });
        return command;
    }

    /// <summary>The human-readable report: verdict, remediation, then the facts behind it.</summary>
    internal static string Describe(HostVirtualizationReport report)
    {
        var text = new StringBuilder();
        VirtualizationVerdict verdict = report.Verdict;
        text.AppendLine(CultureInfo.InvariantCulture, $"KVM acceleration: {(report.IsReady ? "READY" : "NOT READY")} ({JsonNamingPolicy.CamelCase.ConvertName(verdict.Status.ToString())}, status {verdict.StatusCode})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Reason: {verdict.Reason}");
        if (verdict.Remediation.Count > 0)
        {
            text.AppendLine("What to do:");
            for (int i = 0; i < verdict.Remediation.Count; i++)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {i + 1}. {verdict.Remediation[i]}");
            }
        }

        HostFacts facts = report.Facts;
        text.AppendLine("Facts:");
        Line(text, "System", $"{facts.OperatingSystem.Kind} {facts.OperatingSystem.KernelRelease} ({facts.OperatingSystem.Architecture})");
        Line(text, "CPU", facts.Cpu is { } cpu ? DescribeCpu(cpu) : "not x86: no CPUID facts");
        Line(text, "KVM device", DescribeDevice(facts.Kvm));
        if (facts.Kvm.Capabilities.Count > 0)
        {
            Line(text, "Capabilities", string.Join(", ", facts.Kvm.Capabilities.Select(c => $"{c.Name}={(c.Value?.ToString(CultureInfo.InvariantCulture) ?? c.Error?.ToString() ?? "?")}")));
        }
        Line(text, "Modules", facts.Kernel.Modules.Count == 0
            ? "no KVM module in /sys/module"
            : string.Join(", ", facts.Kernel.Modules.Select(m => $"{m.Name} ({(m.BuiltIn ? "built-in" : m.State)}{(m.Nested is null ? "" : $", nested={m.Nested}")})")));
        Line(text, "Firmware", $"{facts.Kernel.Firmware}: {facts.Kernel.FirmwareEvidence}");
        Line(text, "Environment", DescribeEnvironment(facts.Environment));
        Line(text, "User", facts.Identity.EffectiveUid is { } uid
            ? $"{facts.Identity.UserName ?? "?"} (uid {uid}, gid {facts.Identity.EffectiveGid}, groups {(facts.Identity.SupplementaryGroups.Count == 0 ? "none" : string.Join(',', facts.Identity.SupplementaryGroups))})"
            : "not read on this system");
        if (report.ElapsedMilliseconds is { } elapsed)
        {
            Line(text, "Check took", $"{elapsed.ToString("F1", CultureInfo.InvariantCulture)} ms");
        }
        return text.ToString().TrimEnd();
    }

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

    private static void Line(StringBuilder text, string label, string value) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  {label,-13} {value}");

    private static string YesNo(bool value) => value ? "yes" : "no";
}
