using System.Globalization;
using SparseVirt.Hypervisor;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The capability check against the truth: a real Linux guest (Debian's cloud kernel, busybox initramfs) booted by
/// QEMU with <c>-accel kvm</c> on this machine. The check's KVM verdict must be ready exactly when that guest reaches
/// its userspace. Hardware KVM gets there in seconds; the PVM host of issue 21 never does, so 60 s bounds it. The
/// same boot under TCG is the control: it shows the guest itself reaches userspace, so a failed KVM boot is KVM's.
/// </summary>
public class KvmTruthTests
{
    private static readonly TimeSpan TruthBootLimit = TimeSpan.FromSeconds(60);

    [Test]
    public void TheKvmVerdictIsReadyExactlyWhenARealGuestBootsWithKvm()
    {
        if (!File.Exists(HostVirtualizationOptions.DefaultKvmDevicePath))
        {
            // Not a missing tool: the machine has no KVM device, so there is no truth to compare with.
            Assert.Ignore("This machine has no /dev/kvm; the truth test needs one (the check's verdict here is not ready, as the fixtures test).");
        }
        HostVirtualizationReport report = HostVirtualization.Detect();
        AcceleratorVerdict kvm = report.Accelerators.Single(a => a.Accelerator == Accelerator.Kvm);

        (bool reachedUserspace, string evidence) = Boot("kvm");

        evidence = $"verdict {kvm.Verdict.Status}: {kvm.Verdict.Reason}\n{evidence}";
        TestContext.Out.WriteLine(evidence);
        Assert.That(kvm.IsUsable, Is.EqualTo(reachedUserspace), evidence);
    }

    [Test]
    public void TheTruthGuestReachesItsUserspaceUnderTcg()
    {
        (bool reachedUserspace, string evidence) = Boot("tcg");

        Assert.That(reachedUserspace, Is.True, evidence);
    }

    private static (bool ReachedUserspace, string Evidence) Boot(string accelerator)
    {
        string qemu = ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        string timeout = ExternalTool.Require("timeout", "coreutils");
        DebianCloudGuest guest = DebianCloudGuest.Require();
        using var folder = new TempDirectory();
        string initramfs = folder.Combine("init.cpio");
        guest.WriteInitramfs(initramfs, "echo guest kernel $(uname -r)");

        ToolResult boot = ExternalTool.Run(
            timeout,
            [((int)TruthBootLimit.TotalSeconds).ToString(CultureInfo.InvariantCulture), qemu,
                "-accel", accelerator, "-m", "256M", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
                "-kernel", guest.KernelPath, "-initrd", initramfs, "-append", "console=ttyS0 panic=-1 quiet"],
            TruthBootLimit + TimeSpan.FromSeconds(30));
        bool reached = boot.Output.Contains(DebianCloudGuest.UserspaceMarker, StringComparison.Ordinal)
            && boot.Output.Contains("guest kernel " + guest.Version, StringComparison.Ordinal);
        string tail = boot.Output.Length <= 2000 ? boot.Output : boot.Output[^2000..];
        return (reached, $"-accel {accelerator}: QEMU exit {boot.ExitCode}; stderr: {boot.Error.Trim()}\nserial tail: {tail}");
    }
}
