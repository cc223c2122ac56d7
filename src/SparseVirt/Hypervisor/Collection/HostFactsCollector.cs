using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SparseVirt.Hypervisor.Collection.MacOS;
using SparseVirt.Hypervisor.Collection.Windows;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>
/// Gathers <see cref="HostFacts"/>: CPUID, the KVM device, kernel modules and firmware, environment, identity.
/// It only observes and records; judging the facts is <see cref="VirtualizationJudge"/>'s job.
/// </summary>
internal sealed class HostFactsCollector(HostVirtualizationOptions options, ILogger logger)
{
    public HostFacts Collect(CancellationToken cancellationToken)
    {
        OperatingSystemFacts operatingSystem = ReadOperatingSystem();
        CpuFacts? cpu = CpuIdReader.Read();
        cancellationToken.ThrowIfCancellationRequested();

        var environment = new EnvironmentInspector(options.Paths, options.EnvironmentVariable);
        var facts = new HostFacts
        {
            Source = "collected by SparseVirt " + DetectorVersion,
            OperatingSystem = operatingSystem,
            Cpu = cpu,
        };

        if (operatingSystem.Kind != OperatingSystemKind.Linux)
        {
            WindowsFacts? windows = OperatingSystem.IsWindows() ? CollectWindows(cancellationToken) : null;
            MacOSFacts? macOS = OperatingSystem.IsMacOS() ? CollectMacOS(cancellationToken) : null;
            bool inVirtualMachine = cpu?.HypervisorPresent == true || macOS?.VirtualMachine is { Succeeded: true, Value: 1 };
            return facts with
            {
                Windows = windows,
                MacOS = macOS,
                Kvm = new KvmFacts
                {
                    Applicable = false,
                    NotApplicableReason = $"KVM exists only on Linux; this is {operatingSystem.Kind}",
                    DevicePath = options.KvmDevicePath,
                },
                Kernel = new KernelFacts
                {
                    Firmware = cpu?.HasVirtualizationExtensions == true ? FirmwareVirtualizationState.Unknown : FirmwareVirtualizationState.NotApplicable,
                    FirmwareEvidence = "not read on this operating system",
                },
                Environment = new EnvironmentFacts
                {
                    InVirtualMachine = inVirtualMachine,
                    HypervisorName = cpu?.HypervisorPresent == true ? cpu.HypervisorName : null,
                },
            };
        }

        AccountDatabase accounts = AccountDatabase.Load(options.Paths);
        ProcessIdentityFacts identity = ProcessIdentityReader.Read(accounts);
        KvmFacts kvm = new KvmDeviceProbe(logger).Probe(options.KvmDevicePath, identity, accounts, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        string? msrPath = options.ReadFirmwareRegister ? options.MsrDevicePath : null;
        KernelFacts kernel = new KernelInspector(options.Paths, msrPath, logger).Inspect(cpu, operatingSystem.KernelRelease);
        return facts with
        {
            Kvm = kvm,
            Kernel = kernel,
            Environment = environment.Inspect(cpu, operatingSystem.KernelRelease),
            Identity = identity,
        };
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private WindowsFacts CollectWindows(CancellationToken cancellationToken)
    {
        WindowsFacts windows = new WindowsFactsCollector(new WindowsHost()).Collect(cancellationToken);
        HypervisorLog.WindowsProbed(logger, windows.HypervisorPlatform.LibraryLoad?.ToString() ?? "not attempted", windows.HypervisorPlatform.SetupPartition?.ToString() ?? "not attempted");
        return windows;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    private MacOSFacts CollectMacOS(CancellationToken cancellationToken)
    {
        MacOSFacts macOS = new MacOSFactsCollector(new MacOSHost()).Collect(cancellationToken);
        HypervisorLog.MacOSProbed(logger, macOS.HypervisorSupport?.ToString() ?? "unread", macOS.VmCreate?.ToString() ?? "not attempted");
        return macOS;
    }

    private OperatingSystemFacts ReadOperatingSystem()
    {
        OperatingSystemKind kind =
            OperatingSystem.IsLinux() ? OperatingSystemKind.Linux
            : OperatingSystem.IsWindows() ? OperatingSystemKind.Windows
            : OperatingSystem.IsMacOS() ? OperatingSystemKind.MacOS
            : OperatingSystem.IsFreeBSD() ? OperatingSystemKind.FreeBsd
            : OperatingSystemKind.Other;
        return new OperatingSystemFacts
        {
            Kind = kind,
            Description = RuntimeInformation.OSDescription,
            KernelRelease = kind == OperatingSystemKind.Linux ? BoundedText.ReadLineOrNull(options.Paths.Resolve("/proc/sys/kernel/osrelease"))
                : OperatingSystem.IsMacOS() ? new MacOSHost().SysctlString("kern.osrelease")
                : null,
            Architecture = RuntimeInformation.ProcessArchitecture.ToString(),
        };
    }

    private static string DetectorVersion =>
        typeof(HostFactsCollector).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
