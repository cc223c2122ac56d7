using SparseVirt.Hypervisor;

namespace SparseVirt.Tests.Hypervisor;

public class VerdictFixtureTests
{
    // Each fixture's expected status and words its reason or remediation must contain.
    private static readonly Dictionary<string, (VirtualizationStatus Status, string[] Mentions)> Expected = new()
    {
        ["recorded-ci-bhyve-guest-no-kvm"] = (VirtualizationStatus.NestedVirtualizationUnavailable, ["/dev/kvm does not exist", "bhyve", "nested virtualization"]),
        ["handmade-intel-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded"]),
        ["handmade-amd-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded"]),
        ["handmade-arm64-host-ready"] = (VirtualizationStatus.Ready, ["KVM_CREATE_VM succeeded"]),
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
            Assert.That(verdict.Remediation, status == VirtualizationStatus.Ready ? Is.Empty : Is.Not.Empty);
        });
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
    public void ASuccessfulCreateVmIsAlwaysReadyAndNothingElseIs(string fixture)
    {
        HostFacts facts = Fixtures.Load(fixture);
        HostFacts created = facts with { Kvm = facts.Kvm with { CreateVm = SystemCallOutcome.Success() } };
        HostFacts failed = facts with { Kvm = facts.Kvm with { CreateVm = new SystemCallOutcome { Error = SystemCallError.InvalidArgument, Errno = 22 } } };

        Assert.Multiple(() =>
        {
            Assert.That(VirtualizationJudge.Judge(created).Status, Is.EqualTo(VirtualizationStatus.Ready));
            Assert.That(VirtualizationJudge.Judge(failed).Status, Is.Not.EqualTo(VirtualizationStatus.Ready));
            Assert.That(VirtualizationJudge.Judge(facts).Status == VirtualizationStatus.Ready, Is.EqualTo(facts.Kvm.CreateVm?.Succeeded == true));
        });
    }

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
