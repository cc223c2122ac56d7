using SparseVirt.Hypervisor;

namespace SparseVirt.Tests.Hypervisor;

public class VerdictFixtureTests
{
    // Each fixture's expected status and words its reason or remediation must contain.
    private static readonly Dictionary<string, (VirtualizationStatus Status, string[] Mentions)> Expected = new()
    {
        ["recorded-ci-bhyve-guest-no-kvm"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["/dev/kvm does not exist", "bhyve", "nested virtualization"]),
        ["handmade-intel-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded", "before the trial guest"]),
        ["handmade-intel-host-ready-trial"] = (VirtualizationStatus.Ready, ["trial guest ran", "hardware speed", "0.38 ns per loop iteration", "1.1 µs per exit"]),
        ["handmade-pvm-host-guest-cannot-run"] = (VirtualizationStatus.GuestCannotRun, ["KVM_CREATE_VM succeeded", "cannot run", "suberror 1 (emulation failure)", "lock cmpxchg16b", "kvm_pvm", "PVM-enabled", "-accel tcg", "CONFIG_PVM_GUEST"]),
        ["recorded-ci-pvm-kernel-no-kvm"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["/dev/kvm does not exist", "bhyve", "kvm_pvm (PVM) built in"]),
        ["handmade-amd-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded"]),
        ["handmade-arm64-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded"]),
        ["handmade-arm64-host-ready-trial"] = (VirtualizationStatus.Ready, ["trial guest ran on /dev/kvm at EL1 at hardware speed", "0.4 ns per loop iteration", "1.5 µs per exit", "MMIO"]),
        ["handmade-arm64-trial-failed"] = (VirtualizationStatus.GuestCannotRun, ["KVM_CREATE_VM succeeded", "cannot run", "KVM_RUN failed with ENOSYS", "dmesg"]),
        ["handmade-no-access-not-in-group"] = (VirtualizationStatus.PermissionDenied, ["EACCES", "dev is not in group kvm", "usermod -aG kvm dev", "log out", "99-kvm4all.rules"]),
        ["handmade-no-access-group-pending-login"] = (VirtualizationStatus.PermissionDenied, ["login session", "newgrp kvm"]),
        ["handmade-create-vm-busy"] = (VirtualizationStatus.DeviceBusy, ["EBUSY", "Intel VT-x", "VirtualBox"]),
        ["handmade-api-version-mismatch"] = (VirtualizationStatus.ApiVersionMismatch, ["returned 11", "version 12"]),
        ["handmade-container-without-device"] = (VirtualizationStatus.ContainerWithoutDevice, ["container (docker)", "--device /dev/kvm"]),
        ["handmade-firmware-disabled-intel"] = (VirtualizationStatus.DisabledInFirmware, ["Intel VT-x", "firmware", "Intel Virtualization Technology"]),
        ["handmade-firmware-disabled-amd-msr"] = (VirtualizationStatus.DisabledInFirmware, ["AMD-V", "SVMDIS", "SVM Mode"]),
        ["handmade-module-not-loaded"] = (VirtualizationStatus.ModuleNotLoaded, ["kvm_intel is not loaded", "modprobe kvm_intel", "disabled by bios"]),
        ["handmade-no-cpu-support"] = (VirtualizationStatus.NoCpuSupport, ["neither Intel VT-x nor AMD-V", "Atom"]),
        ["handmade-hyperv-guest-no-nested"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["Microsoft Hyper-V", "ExposeVirtualizationExtensions"]),
        ["handmade-wsl2-no-nested"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["nestedVirtualization=true", "wsl --shutdown"]),
        ["handmade-kvm-guest-no-nested"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["guest of KVM", "kvm_amd nested=1", "-cpu host"]),
        ["handmade-windows-host"] = (VirtualizationStatus.UnsupportedOperatingSystem, ["only on Linux", "Windows", "whpx"]),
        ["recorded-wine-bhyve-guest-no-whpx"] = (VirtualizationStatus.HypervisorPlatformDisabled, ["WinHvPlatform.dll is missing", "bhyve", "Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform"]),
        ["handmade-windows-whpx-ready"] = (VirtualizationStatus.Ready, ["WHvSetupPartition", "before the trial guest"]),
        ["handmade-windows-whpx-ready-trial"] = (VirtualizationStatus.Ready, ["trial guest ran on the Windows Hypervisor Platform in long mode at hardware speed", "WHvSetupPartition, CPUID"]),
        ["handmade-windows-whpx-trial-timed-out"] = (VirtualizationStatus.GuestCannotRun, ["WHvSetupPartition created a trial partition", "did not finish within its 200 ms deadline", "Hyper-V-Hypervisor"]),
        ["handmade-windows-whpx-feature-off"] = (VirtualizationStatus.HypervisorPlatformDisabled, ["WinHvPlatform.dll is missing", "Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform"]),
        ["handmade-windows-hypervisor-not-launched"] = (VirtualizationStatus.HypervisorNotRunning, ["no hypervisor runs", "bcdedit /set hypervisorlaunchtype auto"]),
        ["handmade-windows-reboot-pending"] = (VirtualizationStatus.RebootPending, ["RebootPending", "Restart-Computer"]),
        ["handmade-windows-firmware-disabled"] = (VirtualizationStatus.DisabledInFirmware, ["PF_VIRT_FIRMWARE_ENABLED", "Intel Virtualization Technology", "UEFI Firmware Settings"]),
        ["handmade-windows-hyperv-guest-no-nested"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["guest of Microsoft Hyper-V", "ExposeVirtualizationExtensions"]),
        ["handmade-windows-aehd-blocked-by-memory-integrity"] = (VirtualizationStatus.HypervisorPlatformDisabled, ["WinHvPlatform.dll is missing"]),
        ["handmade-windows-aehd-ready"] = (VirtualizationStatus.Ready, ["AEHD (version 2)", "retired at the end of 2026", "Enable-WindowsOptionalFeature"]),
        ["handmade-windows-partition-denied"] = (VirtualizationStatus.PermissionDenied, ["WHvCreatePartition", "E_ACCESSDENIED", "AppContainer"]),
        ["handmade-windows-old-build-hyperv-running"] = (VirtualizationStatus.UnsupportedOperatingSystem, ["build 16299", "1803"]),
        ["handmade-macos-apple-silicon-ready"] = (VirtualizationStatus.Ready, ["hv_vm_create succeeded"]),
        ["handmade-macos-apple-silicon-ready-trial"] = (VirtualizationStatus.Ready, ["trial guest ran on Hypervisor.framework at EL1 at hardware speed", "hv_vm_create, system-register"]),
        ["handmade-macos-entitlement-missing"] = (VirtualizationStatus.EntitlementMissing, ["HV_DENIED", "com.apple.security.hypervisor", "codesign --sign - --entitlements", "codesign -d --entitlements"]),
        ["handmade-macos-rosetta"] = (VirtualizationStatus.RunningUnderRosetta, ["Rosetta", "sysctl.proc_translated = 1", "osx-arm64"]),
        ["handmade-macos-ci-runner-vm"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["kern.hv_vmm_present = 1", "HV_UNSUPPORTED", "physical Mac"]),
        ["handmade-macos-intel-no-support"] = (VirtualizationStatus.NoCpuSupport, ["kern.hv_support = 0", "EPT"]),
    };

    // For fixtures of schema 2: the QEMU -accel value, the Android Emulator code, and every accelerator's status.
    private static readonly Dictionary<string, (string Qemu, AndroidCpuAcceleration Emulator, (Accelerator, VirtualizationStatus)[] Statuses)> ExpectedAccelerators = new()
    {
        ["recorded-wine-bhyve-guest-no-whpx"] = ("tcg", AndroidCpuAcceleration.AccelNotInstalled,
            [(Accelerator.Whpx, VirtualizationStatus.HypervisorPlatformDisabled), (Accelerator.Aehd, VirtualizationStatus.AcceleratorNotInstalled), (Accelerator.Haxm, VirtualizationStatus.NoCpuSupport)]),
        ["handmade-windows-whpx-ready"] = ("whpx", AndroidCpuAcceleration.Ready,
            [(Accelerator.Whpx, VirtualizationStatus.Ready), (Accelerator.Aehd, VirtualizationStatus.AcceleratorNotInstalled), (Accelerator.Haxm, VirtualizationStatus.AcceleratorNotInstalled)]),
        ["handmade-windows-whpx-feature-off"] = ("tcg", AndroidCpuAcceleration.AccelNotInstalled, [(Accelerator.Whpx, VirtualizationStatus.HypervisorPlatformDisabled)]),
        ["handmade-windows-hypervisor-not-launched"] = ("tcg", AndroidCpuAcceleration.AccelNotInstalled, [(Accelerator.Whpx, VirtualizationStatus.HypervisorNotRunning)]),
        ["handmade-windows-firmware-disabled"] = ("tcg", AndroidCpuAcceleration.VtDisabled, [(Accelerator.Whpx, VirtualizationStatus.DisabledInFirmware)]),
        ["handmade-windows-hyperv-guest-no-nested"] = ("tcg", AndroidCpuAcceleration.NestedNotSupported, [(Accelerator.Whpx, VirtualizationStatus.NestedVirtualizationUnavailable)]),
        ["handmade-windows-aehd-blocked-by-memory-integrity"] = ("tcg", AndroidCpuAcceleration.AccelNotInstalled,
            [(Accelerator.Whpx, VirtualizationStatus.HypervisorPlatformDisabled), (Accelerator.Aehd, VirtualizationStatus.VirtualizationBasedSecurityActive)]),
        ["handmade-windows-aehd-ready"] = ("tcg", AndroidCpuAcceleration.Ready,
            [(Accelerator.Whpx, VirtualizationStatus.HypervisorPlatformDisabled), (Accelerator.Aehd, VirtualizationStatus.Ready), (Accelerator.Haxm, VirtualizationStatus.Ready)]),
        ["handmade-windows-partition-denied"] = ("tcg", AndroidCpuAcceleration.DevPermission, [(Accelerator.Whpx, VirtualizationStatus.PermissionDenied)]),
        ["handmade-windows-old-build-hyperv-running"] = ("tcg", AndroidCpuAcceleration.AccelNotInstalled,
            [(Accelerator.Whpx, VirtualizationStatus.UnsupportedOperatingSystem), (Accelerator.Haxm, VirtualizationStatus.HyperVOwnsVirtualization)]),
        ["handmade-macos-apple-silicon-ready"] = ("hvf", AndroidCpuAcceleration.Ready, [(Accelerator.Hvf, VirtualizationStatus.Ready)]),
        ["handmade-macos-apple-silicon-ready-trial"] = ("hvf", AndroidCpuAcceleration.Ready, [(Accelerator.Hvf, VirtualizationStatus.Ready)]),
        ["handmade-windows-whpx-ready-trial"] = ("whpx", AndroidCpuAcceleration.Ready, [(Accelerator.Whpx, VirtualizationStatus.Ready)]),
        ["handmade-windows-whpx-trial-timed-out"] = ("tcg", AndroidCpuAcceleration.DevIoctlFailed, [(Accelerator.Whpx, VirtualizationStatus.GuestCannotRun)]),
        ["handmade-arm64-host-ready-trial"] = ("kvm", AndroidCpuAcceleration.Ready, [(Accelerator.Kvm, VirtualizationStatus.Ready)]),
        ["handmade-arm64-trial-failed"] = ("tcg", AndroidCpuAcceleration.DevIoctlFailed, [(Accelerator.Kvm, VirtualizationStatus.GuestCannotRun)]),
        ["handmade-macos-entitlement-missing"] = ("tcg", AndroidCpuAcceleration.DevPermission, [(Accelerator.Hvf, VirtualizationStatus.EntitlementMissing)]),
        ["handmade-macos-rosetta"] = ("tcg", AndroidCpuAcceleration.NoCpuSupport, [(Accelerator.Hvf, VirtualizationStatus.RunningUnderRosetta)]),
        ["handmade-macos-ci-runner-vm"] = ("tcg", AndroidCpuAcceleration.NestedNotSupported, [(Accelerator.Hvf, VirtualizationStatus.NestedVirtualizationUnavailable)]),
        ["handmade-macos-intel-no-support"] = ("tcg", AndroidCpuAcceleration.NoCpuSupport, [(Accelerator.Hvf, VirtualizationStatus.NoCpuSupport)]),
        ["handmade-intel-host-ready"] = ("kvm", AndroidCpuAcceleration.Ready, [(Accelerator.Kvm, VirtualizationStatus.Ready)]),
        ["handmade-intel-host-ready-trial"] = ("kvm", AndroidCpuAcceleration.Ready, [(Accelerator.Kvm, VirtualizationStatus.Ready)]),
        ["handmade-pvm-host-guest-cannot-run"] = ("tcg", AndroidCpuAcceleration.NestedNotSupported, [(Accelerator.Kvm, VirtualizationStatus.GuestCannotRun)]),
        ["recorded-ci-pvm-kernel-no-kvm"] = ("tcg", AndroidCpuAcceleration.NestedNotSupported, [(Accelerator.Kvm, VirtualizationStatus.NestedVirtualizationUnavailable)]),
        ["handmade-no-access-not-in-group"] = ("tcg", AndroidCpuAcceleration.DevPermission, [(Accelerator.Kvm, VirtualizationStatus.PermissionDenied)]),
        ["handmade-module-not-loaded"] = ("tcg", AndroidCpuAcceleration.DevNotFound, [(Accelerator.Kvm, VirtualizationStatus.ModuleNotLoaded)]),
        ["recorded-ci-bhyve-guest-no-kvm"] = ("tcg", AndroidCpuAcceleration.NestedNotSupported, [(Accelerator.Kvm, VirtualizationStatus.NestedVirtualizationUnavailable)]),
        ["handmade-firmware-disabled-intel"] = ("tcg", AndroidCpuAcceleration.VtDisabled, [(Accelerator.Kvm, VirtualizationStatus.DisabledInFirmware)]),
    };

    // Words that belong to another system's remediation and must never appear in this system's steps.
    private static readonly Dictionary<OperatingSystemKind, string[]> ForeignSteps = new()
    {
        [OperatingSystemKind.Linux] = ["Enable-WindowsOptionalFeature", "bcdedit", "codesign"],
        [OperatingSystemKind.Windows] = ["modprobe", "usermod", "codesign", "udevadm"],
        [OperatingSystemKind.MacOS] = ["modprobe", "usermod", "Enable-WindowsOptionalFeature", "bcdedit", "udevadm"],
    };

    private static IEnumerable<string> FixtureNames => Expected.Keys.Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(FixtureNames))]
    public void FixtureGetsItsExpectedVerdict(string fixture)
    {
        (VirtualizationStatus status, string[] mentions) = Expected[fixture];

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(Fixtures.Load(fixture));

        string explanation = verdict.Reason + "\n" + string.Join("\n", verdict.Remediation);
        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(status), explanation);
            Assert.That(verdict.Reason, Does.Not.Contain('\n'), "the reason is one line");
            foreach (string mention in mentions)
            {
                Assert.That(explanation, Does.Contain(mention).IgnoreCase);
            }
            // A ready retired driver (AEHD, HAXM) still says how to move to WHPX; every other ready verdict has nothing to do.
            bool retiredDriver = HostVirtualizationReport.FromFacts(Fixtures.Load(fixture)).BestAccelerator is Accelerator.Aehd or Accelerator.Haxm;
            Assert.That(verdict.Remediation, status == VirtualizationStatus.Ready && !retiredDriver ? Is.Empty : Is.Not.Empty);
        });
    }

    private static IEnumerable<string> AcceleratorFixtureNames => ExpectedAccelerators.Keys.Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(AcceleratorFixtureNames))]
    public void FixtureGetsItsExpectedAcceleratorsAndEmulatorCode(string fixture)
    {
        (string qemu, AndroidCpuAcceleration emulator, (Accelerator, VirtualizationStatus)[] statuses) = ExpectedAccelerators[fixture];

        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(Fixtures.Load(fixture));

        Assert.Multiple(() =>
        {
            Assert.That(report.QemuAccelerator, Is.EqualTo(qemu));
            Assert.That(report.Emulator.Code, Is.EqualTo(emulator), report.Emulator.Text);
            Assert.That(report.Accelerators[^1].Accelerator, Is.EqualTo(Accelerator.Tcg), "TCG is always the last resort");
            Assert.That(report.Accelerators[^1].IsUsable, Is.True);
            foreach ((Accelerator accelerator, VirtualizationStatus status) in statuses)
            {
                AcceleratorVerdict? verdict = report.Accelerators.SingleOrDefault(a => a.Accelerator == accelerator);
                Assert.That(verdict?.Verdict.Status, Is.EqualTo(status), $"{accelerator}: {verdict?.Verdict.Reason}");
            }
            Assert.That(report.IsReady, Is.EqualTo(emulator == AndroidCpuAcceleration.Ready));
        });
    }

    [TestCaseSource(nameof(FixtureNames))]
    public void RemediationNeverGivesAStepForAnotherSystem(string fixture)
    {
        HostFacts facts = Fixtures.Load(fixture);
        string steps = string.Join("\n", VirtualizationJudge.JudgeAccelerators(facts).SelectMany(a => a.Verdict.Remediation));

        foreach (string foreign in ForeignSteps.GetValueOrDefault(facts.OperatingSystem.Kind, []))
        {
            Assert.That(steps, Does.Not.Contain(foreign), $"a {facts.OperatingSystem.Kind} fixture");
        }
    }

    [Test]
    public void EveryStatusHasAFixture()
    {
        var seen = new HashSet<VirtualizationStatus>(Expected.Values.Select(e => e.Status));
        foreach (string fixture in AcceleratorFixtureNames)
        {
            seen.UnionWith(ExpectedAccelerators[fixture].Statuses.Select(s => s.Item2));
        }
        // Reached only by changing one fact of a fixture, in the tests below and in CreateVmFailuresMapToTheirStatus.
        VirtualizationStatus[] byVariation = [VirtualizationStatus.DeviceMissing, VirtualizationStatus.NotAKvmDevice, VirtualizationStatus.CreateVmFailed, VirtualizationStatus.ProbeFailed, VirtualizationStatus.EmulatedOnly];

        Assert.That(Enum.GetValues<VirtualizationStatus>().Except(seen).Except(byVariation), Is.Empty);
    }

    [Test]
    public void EveryFixtureFileHasAnExpectation()
    {
        Assert.That(Fixtures.Names, Is.EquivalentTo(Expected.Keys));
    }

    [TestCaseSource(nameof(FixtureNames))]
    public void FixtureSaysHonestlyWhereItComesFrom(string fixture)
    {
        string? source = Fixtures.Load(fixture).Source;

        Assert.That(source, fixture.StartsWith("recorded-", StringComparison.Ordinal)
            ? Does.StartWith("recorded on")
            : Does.StartWith("hand-made from documented values"));
    }

    [TestCaseSource(nameof(FixtureNames))]
    public void ASuccessfulTrialVmIsAlwaysReadyAndNothingElseIs(string fixture)
    {
        HostFacts facts = Fixtures.Load(fixture);
        HostFacts created = WithTrial(facts, SystemCallOutcome.Success());
        HostFacts failed = WithTrial(facts, new SystemCallOutcome { Error = SystemCallError.InvalidArgument, Errno = 22 });

        Assert.Multiple(() =>
        {
            Assert.That(Primary(created).Status, Is.EqualTo(VirtualizationStatus.Ready));
            Assert.That(Primary(failed).Status, Is.Not.EqualTo(VirtualizationStatus.Ready));
            Assert.That(Primary(facts).Status == VirtualizationStatus.Ready, Is.EqualTo(TrialSucceeded(facts)));
        });
    }

    // The trial VM of the facts' own system: WHvSetupPartition, hv_vm_create, or KVM_CREATE_VM.
    private static HostFacts WithTrial(HostFacts facts, SystemCallOutcome outcome) => facts switch
    {
        // Since schema 3 a host is ready only when a trial guest ran on the VM: a success brings one that passed.
        { Windows: { } windows } => facts with
        {
            Windows = windows with { HypervisorPlatform = windows.HypervisorPlatform with { SetupPartition = outcome, Trial = outcome.Succeeded ? WhvTrialTests.RunAsWritten() : null } },
        },
        { MacOS: { } macOS } => facts with { MacOS = macOS with { VmCreate = outcome, Trial = outcome.Succeeded ? HvfTrialTests.RunAsWritten() : null } },
        _ => facts with { Kvm = facts.Kvm with { CreateVm = outcome, Trial = outcome.Succeeded ? Fixtures.Load("handmade-intel-host-ready-trial").Kvm.Trial : null } },
    };

    private static bool TrialSucceeded(HostFacts facts) => facts switch
    {
        { Windows: { } windows } => Proven(facts, windows.HypervisorPlatform.SetupPartition, windows.HypervisorPlatform.Trial),
        { MacOS: { } macOS } => Proven(facts, macOS.VmCreate, macOS.Trial),
        _ => Proven(facts, facts.Kvm.CreateVm, facts.Kvm.Trial),
    };

    // The VM was created and, since schema 3, a trial guest ran on it at hardware speed (or none is written for the architecture).
    private static bool Proven(HostFacts facts, SystemCallOutcome? created, KvmTrialFacts? trial) =>
        created?.Succeeded == true && (trial is null ? facts.SchemaVersion <= 2 : !trial.Supported || trial.Completed)
        && trial?.LoopNanosecondsPerIteration is null or <= VirtualizationJudge.HardwareSpeedLimitNanoseconds;

    private static VirtualizationVerdict Primary(HostFacts facts) => VirtualizationJudge.JudgeAccelerators(facts)[0].Verdict;

    [Test]
    public void CpuFactsDoNotOverruleTheDevice()
    {
        // A CPU without VMX in a guest would explain a missing device, but the kernel created a VM: it is ready.
        HostFacts facts = Fixtures.Load("handmade-intel-host-ready");
        HostFacts odd = facts with { Cpu = facts.Cpu! with { Vmx = false, HypervisorPresent = true, Hypervisor = HypervisorVendor.HyperV, HypervisorName = "Microsoft Hyper-V" } };

        Assert.That(VirtualizationJudge.Judge(odd).Status, Is.EqualTo(VirtualizationStatus.Ready));
    }

    [Test]
    public void ANonDefaultMissingDeviceIsReportedAsMissingWithoutHostExplanations()
    {
        HostFacts facts = Fixtures.Load("recorded-ci-bhyve-guest-no-kvm");
        HostFacts elsewhere = facts with { Kvm = facts.Kvm with { DevicePath = "/tmp/no-such-kvm" } };

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(elsewhere);

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(VirtualizationStatus.DeviceMissing));
            Assert.That(verdict.Reason, Does.Contain("/tmp/no-such-kvm does not exist"));
        });
    }

    [Test]
    public void ContainerOnAHostWithoutTheVendorModuleAsksForTheModuleOnTheHost()
    {
        HostFacts facts = Fixtures.Load("handmade-container-without-device");
        HostFacts noModule = facts with { Kernel = facts.Kernel with { Modules = [new KernelModuleFact { Name = "kvm" }] } };

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(noModule);

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(VirtualizationStatus.ModuleNotLoaded));
            Assert.That(verdict.Reason, Does.Contain("on the host"));
        });
    }

    [TestCase(SystemCallError.NotPermitted, VirtualizationStatus.PermissionDenied)]
    [TestCase(SystemCallError.OutOfMemory, VirtualizationStatus.CreateVmFailed)]
    [TestCase(SystemCallError.Busy, VirtualizationStatus.DeviceBusy)]
    public void CreateVmFailuresMapToTheirStatus(SystemCallError error, VirtualizationStatus expected)
    {
        HostFacts facts = Fixtures.Load("handmade-intel-host-ready");
        HostFacts failing = facts with { Kvm = facts.Kvm with { CreateVm = new SystemCallOutcome { Error = error, Errno = 1, ErrnoName = "E" } } };

        Assert.That(VirtualizationJudge.Judge(failing).Status, Is.EqualTo(expected));
    }

    [Test]
    public void RootRefusedInAContainerPointsAtTheContainersDeviceRules()
    {
        HostFacts facts = Fixtures.Load("handmade-no-access-not-in-group");
        HostFacts root = facts with
        {
            Kvm = facts.Kvm with { Open = new SystemCallOutcome { Error = SystemCallError.NotPermitted, Errno = 1, ErrnoName = "EPERM" } },
            Identity = new ProcessIdentityFacts { Uid = 0, EffectiveUid = 0 },
            Environment = new EnvironmentFacts { InContainer = true, ContainerRuntime = "docker" },
        };

        VirtualizationVerdict verdict = VirtualizationJudge.Judge(root);

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.EqualTo(VirtualizationStatus.PermissionDenied));
            Assert.That(verdict.Reason, Does.Contain("even for root"));
            Assert.That(string.Join("\n", verdict.Remediation), Does.Contain("--device /dev/kvm"));
        });
    }

    [TestCase("""{"schemaVersion": 1}""")]
    [TestCase("""{"schemaVersion": 1, "kvm": null, "operatingSystem": null, "kernel": null, "environment": null, "identity": null}""")]
    [TestCase("""{"schemaVersion": 1, "operatingSystem": {"kind": "linux"}, "kvm": {"applicable": true, "open": {"succeeded": true}}}""")]
    [TestCase("""{"schemaVersion": 1, "operatingSystem": {"kind": "linux"}, "kvm": {"applicable": true, "fileType": "characterDevice", "open": {"succeeded": false, "error": "accessDenied"}}}""")]
    [TestCase("""{"schemaVersion": 1, "operatingSystem": {"kind": "linux"}, "kvm": {"applicable": true, "devicePath": null, "capabilities": null}, "kernel": {"modules": null}}""")]
    public void IncompleteFactsStillGetAVerdict(string json)
    {
        VirtualizationVerdict verdict = VirtualizationJudge.Judge(HostFacts.FromJson(json));

        Assert.Multiple(() =>
        {
            Assert.That(verdict.Status, Is.Not.EqualTo(VirtualizationStatus.Ready));
            Assert.That(verdict.Reason, Is.Not.Empty);
        });
    }

    [Test]
    public void StatusValuesAreStable()
    {
        var expected = new Dictionary<VirtualizationStatus, int>
        {
            [VirtualizationStatus.Ready] = 0,
            [VirtualizationStatus.NoCpuSupport] = 1,
            [VirtualizationStatus.DisabledInFirmware] = 2,
            [VirtualizationStatus.ModuleNotLoaded] = 3,
            [VirtualizationStatus.DeviceMissing] = 4,
            [VirtualizationStatus.PermissionDenied] = 5,
            [VirtualizationStatus.DeviceBusy] = 6,
            [VirtualizationStatus.ApiVersionMismatch] = 7,
            [VirtualizationStatus.NestedVirtualizationUnavailable] = 8,
            [VirtualizationStatus.UnsupportedOperatingSystem] = 9,
            [VirtualizationStatus.ContainerWithoutDevice] = 10,
            [VirtualizationStatus.NotAKvmDevice] = 11,
            [VirtualizationStatus.CreateVmFailed] = 12,
            [VirtualizationStatus.ProbeFailed] = 13,
            [VirtualizationStatus.HypervisorPlatformDisabled] = 14,
            [VirtualizationStatus.HypervisorNotRunning] = 15,
            [VirtualizationStatus.HyperVOwnsVirtualization] = 16,
            [VirtualizationStatus.VirtualizationBasedSecurityActive] = 17,
            [VirtualizationStatus.RebootPending] = 18,
            [VirtualizationStatus.EntitlementMissing] = 19,
            [VirtualizationStatus.RunningUnderRosetta] = 20,
            [VirtualizationStatus.AcceleratorNotInstalled] = 21,
            [VirtualizationStatus.GuestCannotRun] = 22,
            [VirtualizationStatus.EmulatedOnly] = 23,
        };

        Assert.Multiple(() =>
        {
            Assert.That(Enum.GetValues<VirtualizationStatus>(), Is.EquivalentTo(expected.Keys));
            foreach ((VirtualizationStatus status, int value) in expected)
            {
                Assert.That((int)status, Is.EqualTo(value), status.ToString());
            }
        });
    }
}
