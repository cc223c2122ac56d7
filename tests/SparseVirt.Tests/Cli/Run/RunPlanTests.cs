using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Run;
using SparseVirt.Qemu;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Cli.Run;

/// <summary>The plan of <c>run</c> is made from the arguments alone: each disk classified once, nothing opened or started.</summary>
public class RunPlanTests
{
    [Test]
    public void Each_disk_is_classified_by_its_first_bytes_and_the_served_ones_named_in_order()
    {
        using var folder = new TempDirectory();
        string sparse = folder.Combine("a.simg"), qcow2 = folder.Combine("b.qcow2"), raw = folder.Combine("c.img"), second = folder.Combine("d.simg");
        File.WriteAllBytes(sparse, new SparseImageBuilder().Raw(1, seed: 1).Build());
        File.WriteAllBytes(qcow2, [(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 3]);
        File.WriteAllBytes(raw, new byte[512]);
        File.WriteAllBytes(second, new SparseImageBuilder().Raw(1, seed: 2).Build());

        RunPlan plan = RunPlan.Create(new RunRequest { Disks = [sparse, qcow2, raw, second], Overlays = [folder.Combine("a.qcow2")], GptPartitions = ["system=" + raw] });

        Assert.Multiple(() =>
        {
            Assert.That(plan.Disks.Select(d => d.Kind), Is.EqualTo(new[] { RunDiskKind.ComposedGpt, RunDiskKind.ServedSparse, RunDiskKind.ImageFile, RunDiskKind.ImageFile, RunDiskKind.ServedSparse }));
            Assert.That(plan.Disks.Select(d => d.ExportName), Is.EqualTo(new[] { "disk0", "disk1", null, null, "disk2" }));
            Assert.That(plan.Disks.Select(d => d.BootIndex), Is.EqualTo(new int?[] { 1, 2, 3, 4, 5 }));
            Assert.That(plan.Disks[2].Format, Is.EqualTo(QemuDiskFormat.Qcow2));
            Assert.That(plan.Disks[3].Format, Is.EqualTo(QemuDiskFormat.Raw));
            Assert.That(plan.Disks.Select(d => d.OverlayPath), Is.EqualTo(new[] { null, folder.Combine("a.qcow2"), null, null, null }));
            Assert.That(plan.HasServedDisks, Is.True);
        });
    }

    [Test]
    public void Expand_turns_served_sparse_disks_into_expanded_ones_and_a_kernel_takes_the_boot_order()
    {
        using var folder = new TempDirectory();
        string sparse = folder.Combine("a.simg");
        File.WriteAllBytes(sparse, new SparseImageBuilder().Raw(1, seed: 1).Build());

        RunPlan plan = RunPlan.Create(new RunRequest { Disks = [sparse], Expand = true, Kernel = folder.Combine("bzImage") });

        Assert.Multiple(() =>
        {
            Assert.That(plan.Disks.Single().Kind, Is.EqualTo(RunDiskKind.ExpandedSparse));
            Assert.That(plan.Disks.Single().BootIndex, Is.Null);
            Assert.That(plan.HasServedDisks, Is.False);
            Assert.That(plan.Machine.KernelBoot, Is.Not.Null);
        });
    }

    [Test]
    public void A_missing_disk_and_a_bad_combination_fail_the_plan_and_a_missing_QEMU_is_kept_for_later()
    {
        using var folder = new TempDirectory();
        string raw = folder.Combine("c.img");
        File.WriteAllBytes(raw, new byte[512]);

        Assert.Multiple(() =>
        {
            Assert.That(() => RunPlan.Create(new RunRequest { Disks = [folder.Combine("none.img")] }), Throws.TypeOf<FileNotFoundException>().With.Message.Contains("none.img"));
            Assert.That(() => RunPlan.Create(new RunRequest { Disks = [raw], Append = "console=ttyS0" }), Throws.TypeOf<UsageException>().With.Message.Contains("--kernel"));
            RunPlan plan = RunPlan.Create(new RunRequest { Disks = [raw], QemuBinary = folder.Combine("no-qemu") });
            Assert.That(plan.MissingBinary, Is.Not.Null);
            Assert.That(plan.Machine.BinaryPath, Is.EqualTo(folder.Combine("no-qemu")));
        });
    }
}
