using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.Windows;

/// <summary>Gathers <see cref="WindowsFacts"/> through an <see cref="IWindowsHost"/>: no PowerShell, no WMI, no child processes.</summary>
internal sealed class WindowsFactsCollector(IWindowsHost host)
{
    private const string Services = @"SYSTEM\CurrentControlSet\Services\";
    private const string DeviceGuard = @"SYSTEM\CurrentControlSet\Control\DeviceGuard";

    // Where Windows marks a reboot that a servicing (feature) change waits for.
    private static readonly string[] RebootPendingKeys =
    [
        @"SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending",
        @"SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\PackagesPending",
        @"SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired",
    ];

    /// <summary><c>CTL_CODE(0xE3E3, 0x00, METHOD_BUFFERED, FILE_ANY_ACCESS)</c>: AEHD's version, one 32-bit integer.</summary>
    internal const uint AehdGetApiVersion = 0xE3E30000;

    /// <summary><c>CTL_CODE(0x4000, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)</c>: HAXM's compat and current version, two 32-bit integers.</summary>
    internal const uint HaxmGetVersion = 0x40002400;

    public WindowsFacts Collect(CancellationToken cancellationToken)
    {
        Version? version = host.Version;
        WindowsHypervisorPlatformFacts platform = ProbeHypervisorPlatform();
        cancellationToken.ThrowIfCancellationRequested();

        var rebootEvidence = new List<string>();
        foreach (string key in RebootPendingKeys)
        {
            if (host.KeyExists(key) == true)
            {
                rebootEvidence.Add(@"HKLM\" + key);
            }
        }

        return new WindowsFacts
        {
            Version = version?.ToString(3),
            Build = version?.Build,
            VirtualizationFirmwareEnabled = host.IsProcessorFeaturePresent(Kernel32.ProcessorFeatureVirtualizationFirmwareEnabled),
            SecondLevelAddressTranslation = host.IsProcessorFeaturePresent(Kernel32.ProcessorFeatureSecondLevelAddressTranslation),
            NxEnabled = host.IsProcessorFeaturePresent(Kernel32.ProcessorFeatureNxEnabled),
            HypervisorPlatform = platform,
            HyperVInstalled = host.KeyExists(Services + "vmms"),
            HypervisorServiceInstalled = host.KeyExists(Services + "hvservice"),
            VirtualizationBasedSecurity = host.ReadDword(DeviceGuard, "EnableVirtualizationBasedSecurity"),
            MemoryIntegrity = host.ReadDword(DeviceGuard + @"\Scenarios\HypervisorEnforcedCodeIntegrity", "Enabled"),
            RebootPendingEvidence = rebootEvidence,
            Aehd = ProbeAehd(),
            Haxm = ProbeDriver("IntelHaxm", @"\\.\HAX", HaxmGetVersion, outputSize: 8, versionOffset: 4),
        };
    }

    private WindowsHypervisorPlatformFacts ProbeHypervisorPlatform()
    {
        var facts = new WindowsHypervisorPlatformFacts { LibraryLoad = host.LoadHypervisorPlatform() };
        if (!facts.LibraryLoad.Succeeded)
        {
            return facts;
        }
        facts = facts with { HypervisorPresent = host.HypervisorPresent() };
        // Without a running hypervisor WHvCreatePartition cannot succeed; its failure would only repeat that.
        return facts.HypervisorPresent is { Succeeded: true, Value: not 0 } ? host.TrialPartition(facts) : facts;
    }

    // AEHD's device was \\.\gvm before the driver was renamed (GVM, then AEHD 2.x); either answers the same ioctl.
    private WindowsDriverFacts ProbeAehd()
    {
        WindowsDriverFacts current = ProbeDriver("aehd", @"\\.\AEHD", AehdGetApiVersion, outputSize: 4, versionOffset: 0);
        if (current.Open is { Succeeded: false, Error: SystemCallError.NotFound })
        {
            WindowsDriverFacts legacy = ProbeDriver("gvm", @"\\.\gvm", AehdGetApiVersion, outputSize: 4, versionOffset: 0);
            if (legacy.Open?.Succeeded == true || legacy.ServiceInstalled == true)
            {
                return legacy;
            }
        }
        return current;
    }

    private WindowsDriverFacts ProbeDriver(string service, string devicePath, uint versionIoctl, int outputSize, int versionOffset)
    {
        (SystemCallOutcome open, SystemCallOutcome? version) = host.ProbeDevice(devicePath, versionIoctl, outputSize, versionOffset);
        return new WindowsDriverFacts
        {
            ServiceInstalled = host.KeyExists(Services + service),
            DevicePath = devicePath,
            Open = open,
            Version = version,
        };
    }
}
