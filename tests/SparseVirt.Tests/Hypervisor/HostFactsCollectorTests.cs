using System.Runtime.Intrinsics.X86;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

public class HostFactsCollectorTests
{
    [Test]
    [Platform("Linux")]
    public void CpuIdAgreesWithTheKernelsCpuInfo()
    {
        Assume.That(X86Base.IsSupported, "CPUID exists only on x86");
        string[] cpuInfo = File.ReadAllLines("/proc/cpuinfo");
        string vendor = cpuInfo.First(line => line.StartsWith("vendor_id", StringComparison.Ordinal)).Split(':')[1].Trim();
        string[] flags = cpuInfo.First(line => line.StartsWith("flags", StringComparison.Ordinal)).Split(':')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        CpuFacts cpu = HostVirtualization.CollectFacts().Cpu!;

        Assert.Multiple(() =>
        {
            Assert.That(cpu.Vendor, Is.EqualTo(vendor));
            Assert.That(cpu.HypervisorPresent, Is.EqualTo(flags.Contains("hypervisor")));
            Assert.That(cpu.HypervisorPresent, Is.EqualTo(cpu.HypervisorSignature is not null));
            // The kernel may hide vmx/svm (firmware off) but never invents them.
            Assert.That(!flags.Contains("vmx") || cpu.Vmx, Is.True);
            Assert.That(!flags.Contains("svm") || cpu.Svm, Is.True);
        });
    }

    [Test]
    [Platform("Linux")]
    public void IdentityAgreesWithProcSelfStatus()
    {
        string[] status = File.ReadAllLines("/proc/self/status");
        string[] Field(string name) => status.First(line => line.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..]
            .Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

        ProcessIdentityFacts identity = HostVirtualization.CollectFacts().Identity;

        Assert.Multiple(() =>
        {
            Assert.That(identity.Uid, Is.EqualTo(uint.Parse(Field("Uid")[0], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(identity.EffectiveUid, Is.EqualTo(uint.Parse(Field("Uid")[1], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(identity.EffectiveGid, Is.EqualTo(uint.Parse(Field("Gid")[1], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(identity.SupplementaryGroups, Is.EquivalentTo(Field("Groups").Select(g => uint.Parse(g, System.Globalization.CultureInfo.InvariantCulture))));
        });
    }

    [TestCase("KVMKVMKVM", HypervisorVendor.Kvm, "KVM")]
    [TestCase("Linux KVM Hv", HypervisorVendor.Kvm, "KVM")]
    [TestCase("Microsoft Hv", HypervisorVendor.HyperV, "Microsoft Hyper-V")]
    [TestCase("VMwareVMware", HypervisorVendor.VMware, "VMware")]
    [TestCase("XenVMMXenVMM", HypervisorVendor.Xen, "Xen")]
    [TestCase("TCGTCGTCGTCG", HypervisorVendor.QemuTcg, "QEMU TCG")]
    [TestCase("bhyve bhyve ", HypervisorVendor.Bhyve, "bhyve")]
    [TestCase("VBoxVBoxVBox", HypervisorVendor.VirtualBox, "VirtualBox")]
    [TestCase(" lrpepyh  vr", HypervisorVendor.Parallels, "Parallels")]
    [TestCase("ACRNACRNACRN", HypervisorVendor.Acrn, "ACRN")]
    [TestCase("QNXQVMBSQG", HypervisorVendor.Qnx, "QNX Hypervisor")]
    [TestCase("NewHypervisr", HypervisorVendor.Unrecognized, "NewHypervisr")]
    public void HypervisorSignaturesAreNamed(string signature, HypervisorVendor vendor, string name)
    {
        Assert.That(CpuIdReader.Identify(signature), Is.EqualTo((vendor, name)));
    }

    [Test]
    public void KernelModulesAreReadFromSysModule()
    {
        using var root = new TempDirectory();
        WriteFile(root, "sys/module/kvm/parameters/halt_poll_ns", "200000");
        WriteFile(root, "sys/module/kvm_intel/initstate", "live");
        WriteFile(root, "sys/module/kvm_intel/parameters/nested", "Y");
        WriteFile(root, "sys/module/kvm_amd/initstate", "live");
        WriteFile(root, "sys/module/kvm_amd/parameters/nested", "0");
        WriteFile(root, "sys/module/kvmgt/initstate", "live");
        WriteFile(root, "sys/module/ext4/initstate", "live");

        List<KernelModuleFact> modules = Inspector(root).ReadModules();

        Assert.Multiple(() =>
        {
            Assert.That(modules.Select(m => m.Name), Is.EqualTo(new[] { "kvm", "kvm_amd", "kvm_intel" }));
            Assert.That(modules[0].BuiltIn, Is.True);
            Assert.That(modules[0].NestedEnabled, Is.Null);
            Assert.That(modules[1].NestedEnabled, Is.False);
            Assert.That(modules[2].State, Is.EqualTo("live"));
            Assert.That(modules[2].NestedEnabled, Is.True);
        });
    }

    [Test]
    public void CpuInfoFlagsAreReadFromTheFirstProcessor()
    {
        using var root = new TempDirectory();
        WriteFile(root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx hypervisor\n\nprocessor\t: 1\nflags\t\t: fpu\n");

        Assert.That(Inspector(root).ReadCpuInfoFlags(), Is.EqualTo(((bool?)true, (bool?)false)));
    }

    [TestCase(0x5UL, FirmwareVirtualizationState.Enabled, "locked with VMX allowed")]
    [TestCase(0x1UL, FirmwareVirtualizationState.Disabled, "locked with VMX outside SMX off")]
    [TestCase(0x0UL, FirmwareVirtualizationState.Enabled, "unlocked")]
    public void IntelFeatureControlIsReadThroughPread(ulong value, FirmwareVirtualizationState expected, string evidence)
    {
        using var root = new TempDirectory();
        string msr = WriteMsr(root, 0x3A, value);
        var cpu = new CpuFacts { Vendor = "GenuineIntel", Vmx = true };

        KernelFacts kernel = new KernelInspector(new HostPaths(root.FullPath), msr, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Inspect(cpu, "6.8.0");

        Assert.Multiple(() =>
        {
            Assert.That(kernel.Firmware, Is.EqualTo(expected));
            Assert.That(kernel.FirmwareEvidence, Does.Contain(evidence).And.Contain("IA32_FEATURE_CONTROL"));
        });
    }

    [Test]
    public void AmdVmCrIsReadAtItsHighMsrIndex()
    {
        using var root = new TempDirectory();
        string msr = WriteMsr(root, 0xC0010114, 0x18);
        var cpu = new CpuFacts { Vendor = "AuthenticAMD", Svm = true };

        KernelFacts kernel = new KernelInspector(new HostPaths(root.FullPath), msr, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Inspect(cpu, "6.8.0");

        Assert.Multiple(() =>
        {
            Assert.That(kernel.Firmware, Is.EqualTo(FirmwareVirtualizationState.Disabled));
            Assert.That(kernel.FirmwareEvidence, Is.EqualTo("VM_CR (0xC0010114) = 0x18: SVMDIS set"));
        });
    }

    [TestCase(true, "6.8.0", FirmwareVirtualizationState.Enabled)]
    [TestCase(false, "6.8.0", FirmwareVirtualizationState.Disabled)]
    [TestCase(false, "5.4.0", FirmwareVirtualizationState.Unknown)]
    public void WithoutTheMsrTheKernelsVmxFlagDecides(bool kernelKeptVmx, string release, FirmwareVirtualizationState expected)
    {
        using var root = new TempDirectory();
        WriteFile(root, "proc/cpuinfo", "flags\t\t: fpu" + (kernelKeptVmx ? " vmx" : "") + "\n");
        var cpu = new CpuFacts { Vendor = "GenuineIntel", Vmx = true };

        KernelFacts kernel = new KernelInspector(new HostPaths(root.FullPath), root.Combine("no-msr"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Inspect(cpu, release);

        Assert.Multiple(() =>
        {
            Assert.That(kernel.Firmware, Is.EqualTo(expected));
            Assert.That(kernel.FirmwareEvidence, Does.Contain("ENOENT"));
        });
    }

    [Test]
    public void TheFirmwareRegisterIsNotReadWhenTurnedOff()
    {
        using var root = new TempDirectory();
        string msr = WriteMsr(root, 0x3A, 0x1);
        var cpu = new CpuFacts { Vendor = "GenuineIntel", Vmx = true, HypervisorPresent = true };

        KernelFacts read = new KernelInspector(new HostPaths(root.FullPath), msr, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Inspect(cpu, "6.8.0");
        KernelFacts skipped = new KernelInspector(new HostPaths(root.FullPath), null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Inspect(cpu, "6.8.0");

        Assert.Multiple(() =>
        {
            Assert.That(read.Firmware, Is.EqualTo(FirmwareVirtualizationState.Disabled));
            Assert.That(skipped.Firmware, Is.EqualTo(FirmwareVirtualizationState.Unknown));
            Assert.That(skipped.FirmwareEvidence, Does.Contain("not read"));
        });
    }

    [TestCase("6.8.0-45-generic", 5, 6, true)]
    [TestCase("5.6.0", 5, 6, true)]
    [TestCase("5.5.19", 5, 6, false)]
    [TestCase("4.19.0", 5, 6, false)]
    [TestCase("garbage", 5, 6, false)]
    public void KernelReleasesCompare(string release, int major, int minor, bool expected)
    {
        Assert.That(KernelInspector.KernelAtLeast(release, major, minor), Is.EqualTo(expected));
    }

    [Test]
    public void ACleanRootIsNotAContainer()
    {
        using var root = new TempDirectory();
        WriteFile(root, "proc/1/cgroup", "0::/init.scope\n");

        EnvironmentFacts environment = new EnvironmentInspector(new HostPaths(root.FullPath), _ => null).Inspect(null, "6.8.0");

        Assert.Multiple(() =>
        {
            Assert.That(environment.InContainer, Is.False);
            Assert.That(environment.ContainerEvidence, Is.Empty);
            Assert.That(environment.InVirtualMachine, Is.False);
        });
    }

    [TestCase("/.dockerenv", "", "docker")]
    [TestCase("/run/.containerenv", "", "podman")]
    [TestCase("/proc/1/cgroup", "0::/kubepods/burstable/pod1234/abcd\n", "kubernetes")]
    [TestCase("/proc/self/mountinfo", "612 600 0:52 /var/lib/docker/containers/3f2c/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n", "docker")]
    public void ContainerMarkersAreFound(string file, string content, string runtime)
    {
        using var root = new TempDirectory();
        WriteFile(root, file.TrimStart('/'), content);

        EnvironmentFacts environment = new EnvironmentInspector(new HostPaths(root.FullPath), _ => null).Inspect(null, "6.8.0");

        Assert.Multiple(() =>
        {
            Assert.That(environment.InContainer, Is.True);
            Assert.That(environment.ContainerRuntime, Is.EqualTo(runtime));
            Assert.That(environment.ContainerEvidence.Single(), Does.StartWith(file + ":"));
        });
    }

    [Test]
    public void TheContainerVariableIsEvidence()
    {
        using var root = new TempDirectory();

        EnvironmentFacts environment = new EnvironmentInspector(new HostPaths(root.FullPath), name => name == "container" ? "podman" : null).Inspect(null, null);

        Assert.That(environment.ContainerEvidence, Is.EqualTo(new[] { "environment: container=podman" }));
    }

    [TestCase("5.15.153.1-microsoft-standard-WSL2", true, 2)]
    [TestCase("4.4.0-22621-Microsoft", true, 1)]
    [TestCase("6.8.0-45-generic", false, null)]
    public void WslIsRecognizedFromTheKernelRelease(string release, bool inWsl, int? version)
    {
        Assert.That(EnvironmentInspector.Wsl(release), Is.EqualTo((inWsl, version)));
    }

    [Test]
    public void AccountFilesGiveNamesAndMembership()
    {
        AccountDatabase accounts = AccountDatabase.Parse(
            ["root:x:0:0:root:/root:/bin/bash", "dev:x:1000:1000:Dev,,,:/home/dev:/bin/bash", "broken line", "bad:x:notanumber:1:::"],
            ["root:x:0:", "kvm:x:993:dev,ci", "dev:x:1000:", "libvirt:x:120:", "garbage"]);

        Assert.Multiple(() =>
        {
            Assert.That(accounts.UserName(1000), Is.EqualTo("dev"));
            Assert.That(accounts.UserName(4242), Is.Null);
            Assert.That(accounts.GroupName(993), Is.EqualTo("kvm"));
            Assert.That(accounts.IsMember("dev", 993), Is.True);
            Assert.That(accounts.IsMember("dev", 1000), Is.True, "primary group");
            Assert.That(accounts.IsMember("dev", 120), Is.False);
            Assert.That(accounts.IsMember("dev", 5555), Is.Null, "unknown group");
            Assert.That(accounts.IsMember(null, 993), Is.Null);
        });
    }

    private static KernelInspector Inspector(TempDirectory root) =>
        new(new HostPaths(root.FullPath), root.Combine("no-msr"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    private static void WriteFile(TempDirectory root, string relativePath, string content)
    {
        string path = root.Combine(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    // The msr driver reads MSR n at file offset n; a sparse file with 8 bytes there stands in for it.
    private static string WriteMsr(TempDirectory root, long index, ulong value)
    {
        string path = root.Combine("msr");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Position = index;
        file.Write(BitConverter.GetBytes(value));
        return path;
    }
}
