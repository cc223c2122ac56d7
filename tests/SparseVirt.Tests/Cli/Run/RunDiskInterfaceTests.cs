using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Run;
using SparseVirt.Qemu;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>
/// <c>run --disk-interface</c>: one bus for every disk, or one per disk in boot order (the --gpt disk first); the
/// default is IDE; a bad value or more values than disks is a usage error naming the option, before anything starts.
/// </summary>
public class RunDiskInterfaceTests
{
    [Test]
    public void Without_the_option_every_disk_is_IDE_and_one_value_goes_to_every_disk_including_the_GPT_disk()
    {
        using var folder = new TempDirectory();
        (string sparse, string raw) = WriteDisks(folder);

        RunPlan byDefault = RunPlan.Create(new RunRequest { Disks = [sparse, raw], GptPartitions = ["system=" + raw] });
        RunPlan allVirtio = RunPlan.Create(new RunRequest { Disks = [sparse, raw], GptPartitions = ["system=" + raw], DiskInterfaces = [QemuDiskInterface.VirtioBlock] });

        Assert.Multiple(() =>
        {
            Assert.That(byDefault.Disks.Select(d => d.Interface), Is.All.EqualTo(QemuDiskInterface.Ide));
            Assert.That(allVirtio.Disks.Select(d => d.Interface), Is.All.EqualTo(QemuDiskInterface.VirtioBlock));
            Assert.That(allVirtio.Disks, Has.Length.EqualTo(3));
        });
    }

    [Test]
    public void Several_values_go_with_the_disks_in_boot_order_the_GPT_disk_first_and_the_rest_stay_IDE()
    {
        using var folder = new TempDirectory();
        (string sparse, string raw) = WriteDisks(folder);

        RunPlan withGpt = RunPlan.Create(new RunRequest
        {
            Disks = [sparse, raw],
            GptPartitions = ["system=" + raw],
            DiskInterfaces = [QemuDiskInterface.VirtioBlock, QemuDiskInterface.Scsi],
        });
        RunPlan withoutGpt = RunPlan.Create(new RunRequest { Disks = [sparse, raw], DiskInterfaces = [QemuDiskInterface.Scsi, QemuDiskInterface.VirtioBlock] });

        Assert.Multiple(() =>
        {
            Assert.That(withGpt.Disks.Select(d => d.Interface), Is.EqualTo(new[] { QemuDiskInterface.VirtioBlock, QemuDiskInterface.Scsi, QemuDiskInterface.Ide }));
            Assert.That(withoutGpt.Disks.Select(d => d.Interface), Is.EqualTo(new[] { QemuDiskInterface.Scsi, QemuDiskInterface.VirtioBlock }));
        });
    }

    [Test]
    public void More_values_than_disks_are_refused_like_overlays_are()
    {
        using var folder = new TempDirectory();
        string raw = folder.Combine("b.img");
        File.WriteAllBytes(raw, new byte[512]);

        Assert.Multiple(() =>
        {
            Assert.That(() => RunPlan.Create(new RunRequest { Disks = [raw], DiskInterfaces = [QemuDiskInterface.Ide, QemuDiskInterface.Scsi] }),
                Throws.TypeOf<UsageException>().With.Message.Contains("2 --disk-interface options for 1 disks"));
            Assert.That(() => RunPlan.Create(new RunRequest { Disks = [raw], GptPartitions = ["system=" + raw], DiskInterfaces = [QemuDiskInterface.Ide, QemuDiskInterface.Scsi] }),
                Throws.Nothing, "the --gpt disk counts");
        });
    }

    [TestCase("virtio", QemuDiskInterface.VirtioBlock)]
    [TestCase("scsi", QemuDiskInterface.Scsi)]
    [TestCase("ide", QemuDiskInterface.Ide)]
    [TestCase("VirtIO", QemuDiskInterface.VirtioBlock)]
    public void Each_bus_name_parses(string text, QemuDiskInterface expected) =>
        Assert.That(RunArguments.ParseDiskInterface(text), Is.EqualTo(expected));

    [TestCase("nvme")]
    [TestCase("sata")]
    [TestCase("")]
    public async Task A_bad_bus_is_a_usage_error_naming_the_option(string value)
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("disk.raw");
        File.WriteAllBytes(disk, new byte[4096]);

        CliResult result = await CliHarness.RunAsync("run", disk, "--disk-interface", value, "--qemu", "/nonexistent/qemu-must-not-be-started");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
            Assert.That(result.Error, Does.Contain($"--disk-interface '{value}' is not virtio, scsi or ide"));
            Assert.That(result.Error, Does.Not.Contain("qemu-must-not-be-started"));
        });
    }

    [Test]
    public async Task More_disk_interfaces_than_disks_is_a_usage_error_on_the_command_line()
    {
        using var folder = new TempDirectory();
        string disk = folder.Combine("disk.raw");
        File.WriteAllBytes(disk, new byte[4096]);

        CliResult result = await CliHarness.RunAsync("run", disk, "--disk-interface", "virtio", "--disk-interface", "scsi", "--qemu", "/nonexistent/qemu-must-not-be-started");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
            Assert.That(result.Error, Does.Contain("2 --disk-interface options for 1 disks"));
        });
    }

    /// <summary>A sparse disk (served) and a raw one (read by QEMU), for plans that open nothing.</summary>
    private static (string Sparse, string Raw) WriteDisks(TempDirectory folder)
    {
        string sparse = folder.Combine("a.simg"), raw = folder.Combine("b.img");
        File.WriteAllBytes(sparse, new SparseImageBuilder().Raw(1, seed: 1).Build());
        File.WriteAllBytes(raw, new byte[512]);
        return (sparse, raw);
    }
}
