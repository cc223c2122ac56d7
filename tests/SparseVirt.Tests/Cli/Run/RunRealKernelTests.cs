using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>
/// <c>run GUEST --kernel ... --accel auto</c> boots a real Linux guest from an Android sparse image served over NBD
/// (nothing expanded) to its userspace, on whatever accelerator the capability check picks: TCG on these machines,
/// KVM where a trial guest runs at hardware speed. The guest mounts the ext4 file system inside the sparse image
/// read-only and prints a file from it.
/// </summary>
public class RunRealKernelTests
{
    [Test]
    public async Task ARealKernelBootsFromASparseImageToItsUserspaceOnTheAcceleratorTheCheckChose()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        string mkfs = ExternalTool.Require("mkfs.ext4", "e2fsprogs");
        string img2simg = ExternalTool.Require("img2simg", "android-sdk-libsparse-utils");
        DebianCloudGuest guest = DebianCloudGuest.Require();
        using var folder = new TempDirectory();
        string content = folder.Combine("content");
        Directory.CreateDirectory(content);
        string token = "sparse-ext4-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(content, "hello.txt"), token + "\n");
        string raw = folder.Combine("system.raw");
        ExternalTool.RunChecked(mkfs, "-q", "-F", "-d", content, "-L", "system", raw, "32M");
        string sparse = folder.Combine("system.simg");
        ExternalTool.RunChecked(img2simg, raw, sparse);
        string initramfs = folder.Combine("init.cpio");
        guest.WriteInitramfs(initramfs, """
            for i in $(seq 1 100); do [ -b /dev/sda ] && break; sleep 0.1; done
            mount -t ext4 -o ro /dev/sda /mnt && echo "read from the sparse image: $(cat /mnt/hello.txt)"
            """, DebianCloudGuest.PiixDiskModules);

        CliResult result = await CliHarness.RunAsync(
            "run", sparse, "--kernel", guest.KernelPath, "--initrd", initramfs, "--append", "console=ttyS0 panic=-1 quiet",
            "--machine", "pc", "--memory", "256M", "--accel", "auto", "--timeout", "180");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Error);
            Assert.That(result.Output, Does.Contain(DebianCloudGuest.UserspaceMarker), result.Error);
            Assert.That(result.Output, Does.Contain("read from the sparse image: " + token), result.Output);
            Assert.That(result.Error, Does.Contain("served over NBD"));
            Assert.That(result.Error, Does.Contain("booting with"));
        });
    }
}

/// <summary><c>run --accel kvm</c> where the check says KVM cannot run a guest fails at once with the verdict, starting nothing.</summary>
public class RunAcceleratorVerdictTests
{
    [Test]
    public async Task AccelKvmFailsAtOnceWithTheVerdictWhereKvmCannotRunAGuest()
    {
        SparseVirt.Hypervisor.HostVirtualizationReport report = SparseVirt.Hypervisor.HostVirtualization.Detect();
        if (report.Accelerators.Any(a => a.Accelerator == SparseVirt.Hypervisor.Accelerator.Kvm && a.IsUsable))
        {
            Assert.Ignore("KVM can run a guest on this machine, so --accel kvm is allowed here.");
        }

        CliResult result = await CliHarness.RunAsync("run", RepositoryPaths.HelloSample, "--accel", "kvm", "--qemu", "/nonexistent/qemu-must-not-be-started");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Error);
            Assert.That(result.Error, Does.Contain("--accel kvm: KVM cannot run this guest here").And.Contain(report.Verdict.Status.ToString()));
            Assert.That(result.Error, Does.Not.Contain("QEMU started"));
        });
    }
}
