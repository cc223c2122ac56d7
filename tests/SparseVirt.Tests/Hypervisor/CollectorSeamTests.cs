using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.MacOS;
using SparseVirt.Hypervisor.Collection.Windows;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The Windows and macOS collectors' logic through their seams, with answers taken from Apple's and Microsoft's
/// documentation (macOS cannot run in CI; Windows runs for real under Wine in <see cref="WineCheckTests"/>).
/// </summary>
public class CollectorSeamTests
{
    private static readonly SystemCallOutcome Ok = SystemCallOutcome.Success();
    private static readonly SystemCallOutcome MissingSysctl = new() { Error = SystemCallError.NotFound, Errno = 2, ErrnoName = "ENOENT" };
    private static readonly SystemCallOutcome HvDenied = new() { Error = SystemCallError.AccessDenied, ErrnoName = "HV_DENIED", NativeCode = unchecked((int)0xfae94007) };

    [Test]
    public void MacOSDestroysTheTrialVmOnlyWhenOneWasCreated()
    {
        var created = new FakeMacOSHost { VmCreate = Ok };
        var denied = new FakeMacOSHost { VmCreate = HvDenied };

        MacOSFacts ready = new MacOSFactsCollector(created).Collect(CancellationToken.None);
        MacOSFacts refused = new MacOSFactsCollector(denied).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(created.Destroyed, Is.EqualTo(1));
            Assert.That(ready.VmDestroy?.Succeeded, Is.True);
            Assert.That(denied.Destroyed, Is.Zero);
            Assert.That(refused.VmDestroy, Is.Null);
            Assert.That(ready.AppleSilicon, Is.True);
            Assert.That(ready.ProductVersion, Is.EqualTo("14.5"));
        });
    }

    [Test]
    public void MacOSRunsTheTrialGuestOnTheVmAndItsVerdictDecides()
    {
        var ready = new FakeMacOSHost();
        KvmTrialFacts failedTrial = HvfTrialTests.RunAsWritten() with { Completed = false, Failure = "HV_EXIT_REASON_EXCEPTION, exception class 0x00 (unknown reason)" };
        var failing = new FakeMacOSHost { Trial = failedTrial };

        MacOSFacts readyFacts = new MacOSFactsCollector(ready).Collect(CancellationToken.None);
        MacOSFacts failingFacts = new MacOSFactsCollector(failing).Collect(CancellationToken.None);
        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(MacFacts(failingFacts));

        Assert.Multiple(() =>
        {
            Assert.That(ready.TrialRanOnTheVm, Is.True, "between hv_vm_create and hv_vm_destroy");
            Assert.That(readyFacts.Trial?.Completed, Is.True);
            Assert.That(VirtualizationJudge.Judge(MacFacts(readyFacts)).Reason, Does.Contain("trial guest ran on Hypervisor.framework at EL1 at hardware speed"));
            Assert.That(report.Verdict.Status, Is.EqualTo(VirtualizationStatus.GuestCannotRun));
            Assert.That(report.Verdict.Reason, Does.Contain("hv_vm_create succeeded, but a standard guest cannot run"));
            Assert.That(report.Verdict.Remediation, Has.Some.Contains("com.apple.Hypervisor"));
            Assert.That(report.QemuAccelerator, Is.EqualTo("tcg"));
            Assert.That(report.Emulator.Code, Is.EqualTo(AndroidCpuAcceleration.DevIoctlFailed), "a physical Mac: the hypervisor failed a request");
        });
    }

    [Test]
    public void WindowsJudgesWhpxByItsTrialGuest()
    {
        KvmTrialFacts emulated = WhvTrialTests.RunAsWritten() with { LoopNanosecondsPerIteration = 900 };
        var host = new FakeWindowsHost { Trial = emulated };

        WindowsFacts facts = new WindowsFactsCollector(host).Collect(CancellationToken.None);
        HostFacts windows = Fixtures.Load("handmade-windows-whpx-ready") with { SchemaVersion = 3, Windows = facts };
        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(windows);
        HostVirtualizationReport untried = HostVirtualizationReport.FromFacts(windows with { Windows = facts with { HypervisorPlatform = facts.HypervisorPlatform with { Trial = null } } });

        Assert.Multiple(() =>
        {
            Assert.That(report.Accelerators[0].Verdict.Status, Is.EqualTo(VirtualizationStatus.EmulatedOnly));
            Assert.That(report.Accelerators[0].Verdict.Reason, Does.Contain("on the Windows Hypervisor Platform, but emulated: 900 ns per loop iteration"));
            Assert.That(report.Accelerators[0].Verdict.Remediation, Has.Some.Contains("Hyper-V-Hypervisor"));
            Assert.That(untried.Accelerators[0].Verdict.Status, Is.EqualTo(VirtualizationStatus.GuestCannotRun), "schema 3 without a trial proves no guest");
        });
    }

    [Test]
    public void MacOSWithoutTheFrameworkMakesNoTrial()
    {
        var host = new FakeMacOSHost { Framework = new SystemCallOutcome { Error = SystemCallError.NotFound } };

        MacOSFacts facts = new MacOSFactsCollector(host).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(host.Created, Is.Zero);
            Assert.That(facts.VmCreate, Is.Null);
            Assert.That(VirtualizationJudge.JudgeAccelerators(MacFacts(facts))[0].Verdict.Status, Is.EqualTo(VirtualizationStatus.ProbeFailed));
        });
    }

    [Test]
    public void AnIntelMacHasNoArm64OrTranslationSysctls()
    {
        var host = new FakeMacOSHost
        {
            Sysctls = new() { ["hw.optional.arm64"] = MissingSysctl, ["sysctl.proc_translated"] = MissingSysctl, ["kern.hv_support"] = SystemCallOutcome.Success(1) },
            VmCreate = Ok,
        };

        MacOSFacts facts = new MacOSFactsCollector(host).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(facts.AppleSilicon, Is.False);
            Assert.That(facts.UnderRosetta, Is.False);
            Assert.That(host.TrialsRun, Is.Zero, "the trial program is arm64");
            Assert.That(facts.Trial?.Supported, Is.False);
            Assert.That(facts.Trial?.NotSupportedReason, Does.Contain("Intel Macs"));
            Assert.That(VirtualizationJudge.Judge(MacFacts(facts)).Status, Is.EqualTo(VirtualizationStatus.Ready));
        });
    }

    [Test]
    public void WindowsMakesNoTrialPartitionWithoutTheLibraryOrTheHypervisor()
    {
        var missing = new FakeWindowsHost { Library = new SystemCallOutcome { Error = SystemCallError.NotFound, NativeCode = 126 } };
        var notRunning = new FakeWindowsHost { Present = SystemCallOutcome.Success(0) };
        var running = new FakeWindowsHost { Present = SystemCallOutcome.Success(1) };

        WindowsFacts withoutLibrary = new WindowsFactsCollector(missing).Collect(CancellationToken.None);
        WindowsFacts withoutHypervisor = new WindowsFactsCollector(notRunning).Collect(CancellationToken.None);
        WindowsFacts ready = new WindowsFactsCollector(running).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(withoutLibrary.HypervisorPlatform.HypervisorPresent, Is.Null);
            Assert.That(missing.Trials + notRunning.Trials, Is.Zero);
            Assert.That(withoutHypervisor.HypervisorPlatform.CreatePartition, Is.Null);
            Assert.That(running.Trials, Is.EqualTo(1));
            Assert.That(ready.HypervisorPlatform.SetupPartition?.Succeeded, Is.True);
        });
    }

    [Test]
    public void WindowsFallsBackToTheOlderAehdDeviceName()
    {
        var host = new FakeWindowsHost
        {
            Devices = new() { [@"\\.\gvm"] = Ok },
            Keys = [@"SYSTEM\CurrentControlSet\Services\gvm"],
        };

        WindowsFacts facts = new WindowsFactsCollector(host).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(facts.Aehd.DevicePath, Is.EqualTo(@"\\.\gvm"));
            Assert.That(facts.Aehd.ServiceInstalled, Is.True);
            Assert.That(facts.Aehd.Version?.Value, Is.EqualTo(1));
            Assert.That(host.VersionRequests, Does.Contain((@"\\.\gvm", WindowsFactsCollector.AehdGetApiVersion)));
            Assert.That(host.VersionRequests, Does.Not.Contain((@"\\.\HAX", WindowsFactsCollector.AehdGetApiVersion)));
        });
    }

    [Test]
    public void WindowsRecordsRegistryFacts()
    {
        var host = new FakeWindowsHost
        {
            Keys = [@"SYSTEM\CurrentControlSet\Services\vmms", @"SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending"],
            Dwords = new() { ["EnableVirtualizationBasedSecurity"] = 1, ["Enabled"] = 1 },
        };

        WindowsFacts facts = new WindowsFactsCollector(host).Collect(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(facts.HyperVInstalled, Is.True);
            Assert.That(facts.HypervisorServiceInstalled, Is.False);
            Assert.That(facts.VirtualizationBasedSecurity, Is.EqualTo(1));
            Assert.That(facts.MemoryIntegrity, Is.EqualTo(1));
            Assert.That(facts.RebootPending, Is.True);
            Assert.That(facts.Build, Is.EqualTo(22631));
            Assert.That(facts.VirtualizationFirmwareEnabled, Is.True);
        });
    }

    private static HostFacts MacFacts(MacOSFacts macOS) =>
        new() { OperatingSystem = new OperatingSystemFacts { Kind = OperatingSystemKind.MacOS, Architecture = "Arm64" }, MacOS = macOS };

    private sealed class FakeMacOSHost : IMacOSHost
    {
        public Dictionary<string, SystemCallOutcome> Sysctls { get; init; } = new()
        {
            ["hw.optional.arm64"] = SystemCallOutcome.Success(1),
            ["kern.hv_support"] = SystemCallOutcome.Success(1),
            ["kern.hv_vmm_present"] = SystemCallOutcome.Success(0),
            ["sysctl.proc_translated"] = SystemCallOutcome.Success(0),
        };

        public SystemCallOutcome Framework { get; init; } = Ok;

        public SystemCallOutcome VmCreate { get; init; } = Ok;

        public int Created { get; private set; }

        public int Destroyed { get; private set; }

        /// <summary>What the trial guest gives: by default a run at hardware speed, as <see cref="HvfTrialTests"/> drives one.</summary>
        public KvmTrialFacts Trial { get; init; } = HvfTrialTests.RunAsWritten();

        public int TrialsRun { get; private set; }

        /// <summary>Whether the VM existed (created, not yet destroyed) when the trial ran.</summary>
        public bool TrialRanOnTheVm { get; private set; }

        public KvmTrialFacts RunTrialGuest(CancellationToken cancellationToken)
        {
            TrialsRun++;
            TrialRanOnTheVm = Created == 1 && Destroyed == 0;
            return Trial;
        }

        public SystemCallOutcome SysctlInteger(string name) => Sysctls.GetValueOrDefault(name, MissingSysctl);

        public string? SysctlString(string name) => name == "kern.osproductversion" ? "14.5" : null;

        public SystemCallOutcome LoadFramework() => Framework;

        public SystemCallOutcome CreateVm()
        {
            Created++;
            return VmCreate;
        }

        public SystemCallOutcome DestroyVm()
        {
            Destroyed++;
            return Ok;
        }
    }

    private sealed class FakeWindowsHost : IWindowsHost
    {
        public SystemCallOutcome Library { get; init; } = Ok;

        public SystemCallOutcome Present { get; init; } = SystemCallOutcome.Success(1);

        public Dictionary<string, SystemCallOutcome> Devices { get; init; } = [];

        public string[] Keys { get; init; } = [];

        public Dictionary<string, int> Dwords { get; init; } = [];

        public int Trials { get; private set; }

        public KvmTrialFacts? Trial { get; init; }

        public List<(string, uint)> VersionRequests { get; } = [];

        public Version? Version => new(10, 0, 22631);

        public bool? IsProcessorFeaturePresent(int feature) => true;

        public bool? KeyExists(string subKey) => Keys.Contains(subKey);

        public int? ReadDword(string subKey, string valueName) => Dwords.TryGetValue(valueName, out int value) ? value : null;

        public SystemCallOutcome LoadHypervisorPlatform() => Library;

        public SystemCallOutcome HypervisorPresent() => Present;

        public WindowsHypervisorPlatformFacts TrialPartition(WindowsHypervisorPlatformFacts soFar)
        {
            Trials++;
            return soFar with { CreatePartition = Ok, SetProcessorCount = Ok, SetupPartition = Ok, Trial = Trial, DeletePartition = Ok };
        }

        public (SystemCallOutcome Open, SystemCallOutcome? Version) ProbeDevice(string devicePath, uint versionIoctl, int versionOutputSize, int versionOffset)
        {
            if (!Devices.TryGetValue(devicePath, out SystemCallOutcome? open))
            {
                return (new SystemCallOutcome { Error = SystemCallError.NotFound, NativeCode = 2, ErrnoName = "ERROR_FILE_NOT_FOUND" }, null);
            }
            VersionRequests.Add((devicePath, versionIoctl));
            return (open, SystemCallOutcome.Success(1));
        }
    }
}
