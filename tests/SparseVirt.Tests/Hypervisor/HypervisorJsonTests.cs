using System.Text.Json;
using System.Text.RegularExpressions;
using SparseVirt.Hypervisor;

namespace SparseVirt.Tests.Hypervisor;

public partial class HypervisorJsonTests
{
    // The documented schema (docs/hypervisor.md), as JSON paths; arrays are written as [].
    private static readonly string[] SchemaPaths =
    [
        "schemaVersion", "isReady", "elapsedMilliseconds",
        "verdict", "verdict.status", "verdict.statusCode", "verdict.reason", "verdict.remediation", "verdict.remediation[]",
        "bestAccelerator", "qemuAccelerator", "accelerators", "accelerators[]", "accelerators[].accelerator", "accelerators[].qemuAccelerator",
        "accelerators[].isUsable", "accelerators[].verdict", "accelerators[].verdict.status", "accelerators[].verdict.statusCode",
        "accelerators[].verdict.reason", "accelerators[].verdict.remediation", "accelerators[].verdict.remediation[]",
        "emulator", "emulator.code", "emulator.codeValue", "emulator.symbol", "emulator.text", "emulator.accelerator",
        "facts", "facts.schemaVersion", "facts.source",
        "facts.operatingSystem", "facts.operatingSystem.kind", "facts.operatingSystem.description", "facts.operatingSystem.kernelRelease", "facts.operatingSystem.architecture",
        "facts.cpu", "facts.cpu.vendor", "facts.cpu.brandString", "facts.cpu.vmx", "facts.cpu.svm", "facts.cpu.svmNestedPaging",
        "facts.cpu.hypervisorPresent", "facts.cpu.hypervisorSignature", "facts.cpu.hypervisor", "facts.cpu.hypervisorName", "facts.cpu.hyperVRootPartition",
        "facts.kvm", "facts.kvm.applicable", "facts.kvm.notApplicableReason", "facts.kvm.devicePath", "facts.kvm.fileType", "facts.kvm.stat",
        "facts.kvm.deviceMajor", "facts.kvm.deviceMinor", "facts.kvm.ownerUid", "facts.kvm.ownerName", "facts.kvm.groupGid", "facts.kvm.groupName",
        "facts.kvm.mode", "facts.kvm.access", "facts.kvm.processInDeviceGroup", "facts.kvm.userListedInDeviceGroup", "facts.kvm.open",
        "facts.kvm.apiVersion", "facts.kvm.capabilities", "facts.kvm.capabilities[]", "facts.kvm.capabilities[].name", "facts.kvm.capabilities[].id",
        "facts.kvm.capabilities[].value", "facts.kvm.capabilities[].error", "facts.kvm.vcpuMmapSize", "facts.kvm.createVm",
        "facts.*.trial", "facts.*.trial.supported", "facts.*.trial.notSupportedReason", "facts.*.trial.architecture", "facts.*.trial.program", "facts.*.trial.steps",
        "facts.*.trial.steps[]", "facts.*.trial.steps[].name", "facts.*.trial.exits", "facts.*.trial.exits[]", "facts.*.trial.exits[].reason",
        "facts.*.trial.exits[].reasonCode", "facts.*.trial.exits[].runError", "facts.*.trial.exits[].stage", "facts.*.trial.exits[].port",
        "facts.*.trial.exits[].value", "facts.*.trial.exits[].suberror", "facts.*.trial.exits[].data", "facts.*.trial.exits[].data[]",
        "facts.*.trial.exits[].hardwareReason", "facts.*.trial.exits[].address", "facts.*.trial.exits[].syndrome", "facts.*.trial.exits[].systemEventType",
        "facts.*.trial.exits[].guestInstructionPointer", "facts.*.trial.exits[].atMicroseconds",
        "facts.*.trial.completed", "facts.*.trial.failedAt", "facts.*.trial.failure", "facts.*.trial.timedOut", "facts.*.trial.deadlineMilliseconds",
        "facts.*.trial.exitMicroseconds", "facts.*.trial.loopIterations", "facts.*.trial.loopNanosecondsPerIteration", "facts.*.trial.runMilliseconds",
        "facts.kernel", "facts.kernel.modules", "facts.kernel.modules[]", "facts.kernel.modules[].name", "facts.kernel.modules[].builtIn",
        "facts.kernel.modules[].state", "facts.kernel.modules[].nested", "facts.kernel.modules[].nestedEnabled",
        "facts.kernel.cpuInfoVmx", "facts.kernel.cpuInfoSvm", "facts.kernel.firmware", "facts.kernel.firmwareEvidence",
        "facts.environment", "facts.environment.inContainer", "facts.environment.containerRuntime", "facts.environment.containerEvidence",
        "facts.environment.containerEvidence[]", "facts.environment.inWsl", "facts.environment.wslVersion", "facts.environment.inVirtualMachine",
        "facts.environment.hypervisorName",
        "facts.identity", "facts.identity.uid", "facts.identity.effectiveUid", "facts.identity.gid", "facts.identity.effectiveGid",
        "facts.identity.supplementaryGroups", "facts.identity.supplementaryGroups[]", "facts.identity.userName", "facts.identity.isRoot",
        "facts.windows", "facts.windows.version", "facts.windows.build", "facts.windows.virtualizationFirmwareEnabled", "facts.windows.secondLevelAddressTranslation",
        "facts.windows.nxEnabled", "facts.windows.hypervisorPlatform", "facts.windows.hyperVInstalled", "facts.windows.hypervisorServiceInstalled",
        "facts.windows.virtualizationBasedSecurity", "facts.windows.memoryIntegrity", "facts.windows.rebootPendingEvidence", "facts.windows.rebootPendingEvidence[]",
        "facts.windows.rebootPending", "facts.windows.aehd", "facts.windows.aehd.serviceInstalled", "facts.windows.aehd.devicePath",
        "facts.windows.haxm", "facts.windows.haxm.serviceInstalled", "facts.windows.haxm.devicePath",
        "facts.macOS", "facts.macOS.productVersion", "facts.macOS.cpuBrand", "facts.macOS.appleSilicon", "facts.macOS.underRosetta",
    ];

    private static readonly string[] OutcomePaths = ["succeeded", "value", "error", "errno", "errnoName", "nativeCode", "message"];

    // Every member that holds one system call's outcome.
    private static readonly string[] OutcomeMembers =
    [
        "facts.kvm.stat", "facts.kvm.access", "facts.kvm.open", "facts.kvm.apiVersion", "facts.kvm.vcpuMmapSize", "facts.kvm.createVm",
        "facts.*.trial.steps[].outcome", "facts.*.trial.exits[].runError",
        "facts.windows.hypervisorPlatform.libraryLoad", "facts.windows.hypervisorPlatform.hypervisorPresent", "facts.windows.hypervisorPlatform.createPartition",
        "facts.windows.hypervisorPlatform.setProcessorCount", "facts.windows.hypervisorPlatform.setupPartition", "facts.windows.hypervisorPlatform.deletePartition",
        "facts.windows.aehd.open", "facts.windows.aehd.version", "facts.windows.haxm.open", "facts.windows.haxm.version",
        "facts.macOS.arm64Hardware", "facts.macOS.hypervisorSupport", "facts.macOS.virtualMachine", "facts.macOS.processTranslated",
        "facts.macOS.frameworkLoad", "facts.macOS.vmCreate", "facts.macOS.vmDestroy",
    ];

    private static IEnumerable<string> FixtureNames => Fixtures.Names;

    [TestCaseSource(nameof(FixtureNames))]
    public void FactsRoundTripThroughJson(string fixture)
    {
        HostFacts facts = Fixtures.Load(fixture);

        string once = facts.ToJson();
        string twice = HostFacts.FromJson(once).ToJson();

        Assert.That(twice, Is.EqualTo(once));
    }

    [Test]
    public void ReportsRoundTripThroughJson()
    {
        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(Fixtures.Load("handmade-no-access-not-in-group")) with { ElapsedMilliseconds = 3.25 };

        HostVirtualizationReport read = HostVirtualizationReport.FromJson(report.ToJson(indented: false));

        Assert.Multiple(() =>
        {
            Assert.That(read.ToJson(), Is.EqualTo(report.ToJson()));
            Assert.That(read.Verdict.Status, Is.EqualTo(VirtualizationStatus.PermissionDenied));
            Assert.That(read.ElapsedMilliseconds, Is.EqualTo(3.25));
            Assert.That(report.ToJson(indented: false), Does.Not.Contain('\n'));
        });
    }

    [Test]
    public void TheSchemaHasExactlyTheDocumentedProperties()
    {
        // Across all fixtures (Linux, Windows, macOS) every documented property appears, and nothing else does. The
        // trial guest has one shape under KVM, WHPX and HVF (facts.*.trial), and each of the three holds one somewhere.
        var raw = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string fixture in Fixtures.Names)
        {
            HostVirtualizationReport report = HostVirtualizationReport.FromFacts(Fixtures.Load(fixture)) with { ElapsedMilliseconds = 1 };
            using JsonDocument document = JsonDocument.Parse(report.ToJson());
            Collect(document.RootElement, "", raw);
        }
        var paths = new SortedSet<string>(raw.Select(path => TrialRoot().Replace(path, "facts.*.trial")), StringComparer.Ordinal);
        Assert.That(raw, Is.SupersetOf(new[] { "facts.kvm.trial.completed", "facts.windows.hypervisorPlatform.trial.completed", "facts.macOS.trial.completed" }));
        var expected = new SortedSet<string>(
            SchemaPaths.Concat(OutcomeMembers).Concat(OutcomeMembers.SelectMany(o => OutcomePaths.Select(p => $"{o}.{p}"))),
            StringComparer.Ordinal);

        Assert.That(paths, Is.EqualTo(expected));
    }

    [Test]
    public void TheDocumentationListsEveryProperty()
    {
        string documentation = File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "docs", "hypervisor.md"));
        IEnumerable<string> names = SchemaPaths.Concat(OutcomeMembers).Concat(OutcomePaths).Select(path => path.Split('.')[^1].Replace("[]", "", StringComparison.Ordinal)).Distinct();

        Assert.Multiple(() =>
        {
            foreach (string name in names)
            {
                Assert.That(documentation, Does.Contain($"`{name}`"), name);
            }
            foreach (string value in EnumNames<VirtualizationStatus>().Concat(EnumNames<SystemCallError>()).Concat(EnumNames<OperatingSystemKind>())
                .Concat(EnumNames<HypervisorVendor>()).Concat(EnumNames<DeviceFileType>()).Concat(EnumNames<FirmwareVirtualizationState>())
                .Concat(EnumNames<Accelerator>()).Concat(EnumNames<AndroidCpuAcceleration>()))
            {
                Assert.That(documentation, Does.Contain($"`{value}`"), value);
            }
        });
    }

    [Test]
    public void EnumsAreWrittenAsCamelCaseNames()
    {
        string json = HostVirtualizationReport.FromFacts(Fixtures.Load("handmade-create-vm-busy")).ToJson();

        Assert.Multiple(() =>
        {
            Assert.That(json, Does.Contain("\"status\": \"deviceBusy\""));
            Assert.That(json, Does.Contain("\"statusCode\": 6"));
            Assert.That(json, Does.Contain("\"error\": \"busy\""));
            Assert.That(json, Does.Contain("\"fileType\": \"characterDevice\""));
            Assert.That(json, Does.Contain("\"kind\": \"linux\""));
        });
    }

    [TestCase("{\"schemaVersion\": 1, \"kvm\": {\"fileType\": 1}}", "$.kvm.fileType")]
    [TestCase("{\"schemaVersion\": 1, \"kvm\": {\"fileType\": \"socket\"}}", "$.kvm.fileType")]
    [TestCase("{\"schemaVersion\": 1, \"cpu\": {\"vmx\": \"yes\"}}", "$.cpu.vmx")]
    [TestCase("{\"cpu\": ", "line 1")]
    [TestCase("{\"cpu\": null}", "schemaVersion")]
    public void BadFactsJsonSaysWhere(string json, string where)
    {
        var error = Assert.Throws<InvalidDataException>(() => HostFacts.FromJson(json));

        Assert.That(error!.Message, Does.Contain("hypervisor facts JSON is invalid").And.Contain(where));
    }

    [Test]
    public void ANewerSchemaIsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => HostVirtualizationReport.FromJson("{\"schemaVersion\": 4}"));

        Assert.That(error!.Message, Does.Contain("schemaVersion 4"));
    }

    [Test]
    public void MissingMembersReadAsEmptyValuesNotNulls()
    {
        HostFacts facts = HostFacts.FromJson("{\"schemaVersion\": 1, \"kvm\": {\"capabilities\": null}}");

        Assert.Multiple(() =>
        {
            Assert.That(facts.Kvm.DevicePath, Is.EqualTo("/dev/kvm"));
            Assert.That(facts.Kvm.Capabilities, Is.Empty);
            Assert.That(facts.Kernel.Modules, Is.Empty);
            Assert.That(facts.Identity.SupplementaryGroups, Is.Empty);
            Assert.That(facts.Cpu, Is.Null);
        });
    }

    [Test]
    public void NullJsonIsRefused()
    {
        Assert.That(() => HostFacts.FromJson("null"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'null'"));
    }

    // The names as the serializer writes them, taken from its own output.
    private static IEnumerable<string> EnumNames<TEnum>()
        where TEnum : struct, Enum
    {
        foreach (TEnum value in Enum.GetValues<TEnum>())
        {
            if (value is Accelerator or AndroidCpuAcceleration)
            {
                var check = new AndroidEmulatorCheck { Code = value is AndroidCpuAcceleration code ? code : default, Accelerator = value is Accelerator accelerator ? accelerator : null };
                using JsonDocument emulator = JsonDocument.Parse(new HostVirtualizationReport { Emulator = check }.ToJson());
                JsonElement written = emulator.RootElement.GetProperty("emulator");
                yield return (value is Accelerator ? written.GetProperty("accelerator") : written.GetProperty("code")).GetString()!;
                continue;
            }
            HostFacts facts = value switch
            {
                VirtualizationStatus => new HostFacts(),
                SystemCallError error => new HostFacts { Kvm = new KvmFacts { Open = new SystemCallOutcome { Error = error } } },
                OperatingSystemKind kind => new HostFacts { OperatingSystem = new OperatingSystemFacts { Kind = kind } },
                HypervisorVendor vendor => new HostFacts { Cpu = new CpuFacts { Hypervisor = vendor } },
                DeviceFileType type => new HostFacts { Kvm = new KvmFacts { FileType = type } },
                FirmwareVirtualizationState state => new HostFacts { Kernel = new KernelFacts { Firmware = state } },
                _ => throw new ArgumentOutOfRangeException(nameof(TEnum)),
            };
            using JsonDocument document = JsonDocument.Parse(value is VirtualizationStatus status
                ? new HostVirtualizationReport { Verdict = new VirtualizationVerdict { Status = status } }.ToJson()
                : facts.ToJson());
            JsonElement root = document.RootElement;
            yield return value switch
            {
                VirtualizationStatus => root.GetProperty("verdict").GetProperty("status").GetString()!,
                SystemCallError => root.GetProperty("kvm").GetProperty("open").GetProperty("error").GetString()!,
                OperatingSystemKind => root.GetProperty("operatingSystem").GetProperty("kind").GetString()!,
                HypervisorVendor => root.GetProperty("cpu").GetProperty("hypervisor").GetString()!,
                DeviceFileType => root.GetProperty("kvm").GetProperty("fileType").GetString()!,
                _ => root.GetProperty("kernel").GetProperty("firmware").GetString()!,
            };
        }
    }

    private static void Collect(JsonElement element, string path, ISet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    paths.Add(child);
                    Collect(property.Value, child, paths);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    paths.Add(path + "[]");
                    Collect(item, path + "[]", paths);
                }
                break;
        }
    }

    [GeneratedRegex(@"^facts\.(kvm|windows\.hypervisorPlatform|macOS)\.trial")]
    private static partial Regex TrialRoot();
}
