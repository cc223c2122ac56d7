using System.Globalization;
using SparseVirt.BlockSources;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Sparse;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Layouts;

/// <summary>Composed GPT disks against sgdisk and the emulator's dd + sgdisk recipe, and read back.</summary>
public class GptComposeTests
{
    private static readonly Guid s_diskId = new("5A7E0B2C-1D3F-4E5A-9B8C-7D6E5F4A3B2C");

    private static Guid PartitionId(int number) => new($"0000000{number}-AAAA-4BBB-8CCC-DDDDEEEEFFFF");

    /// <summary>mk_combined_img: 1 MiB of zeros, each expanded image dd'd at the end padded to 1 MiB, 1 MiB more, then sgdisk.</summary>
    private static string Recipe(TempDirectory folder, (string Label, string Raw)[] partitions)
    {
        string dd = ExternalTool.Require("dd", "coreutils"), sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        string output = folder.Combine("recipe.img");
        ExternalTool.RunChecked(dd, "if=/dev/zero", "of=" + output, "ibs=1024k", "count=1", "status=none");
        var ranges = new List<(long Start, long End)>();
        foreach ((string _, string raw) in partitions)
        {
            long offset = new FileInfo(output).Length;
            ExternalTool.RunChecked(dd, "if=" + raw, "of=" + output, "conv=notrunc,sync", "ibs=1024k", "obs=1024k", "seek=" + (offset / (1 << 20)), "status=none");
            ranges.Add((offset / 512, (new FileInfo(output).Length / 512) - 1));
        }
        long end = new FileInfo(output).Length / (1 << 20);
        ExternalTool.RunChecked(dd, "if=/dev/zero", "of=" + output, "conv=notrunc", "bs=1024k", "count=1", "seek=" + end, "status=none");
        ExternalTool.RunChecked(sgdisk, "--clear", output);
        for (int i = 0; i < partitions.Length; i++)
        {
            string n = (i + 1).ToString(CultureInfo.InvariantCulture);
            ExternalTool.RunChecked(sgdisk, "--new", $"{n}:{ranges[i].Start}:{ranges[i].End}", "--typecode", n + ":8300", "--change-name", n + ":" + partitions[i].Label, output);
            ExternalTool.RunChecked(sgdisk, "--partition-guid", n + ":" + PartitionId(i + 1), output);
        }
        ExternalTool.RunChecked(sgdisk, "--disk-guid", s_diskId.ToString(), output);
        return output;
    }

    [Test]
    public async Task A_disk_composed_from_sparse_and_raw_images_equals_the_dd_and_sgdisk_recipe_byte_for_byte()
    {
        using var folder = new TempDirectory();
        string vbmetaRaw = LayoutFixtures.WriteImage(folder, "vbmeta.raw", 2, seed: 11);
        string superRaw = LayoutFixtures.WriteImage(folder, "super.raw", 700, seed: 12);
        string odm = folder.Combine("odm.raw");
        File.WriteAllBytes(odm, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        string vbmeta = LayoutFixtures.Sparse(vbmetaRaw), super = LayoutFixtures.Sparse(superRaw);
        string expected = Recipe(folder, [("vbmeta", vbmetaRaw), ("super", superRaw), ("odm", odm)]);

        using SparseBlockSource vbmetaSource = SparseBlockSource.Open(vbmeta), superSource = SparseBlockSource.Open(super);
        using RawFileBlockSource odmSource = RawFileBlockSource.Open(odm);
        GptComposition composition = GptComposer.Compose(GptCompositeDefinition.Empty
            .WithDiskId(s_diskId)
            .WithPartition("vbmeta", vbmetaSource, PartitionId(1))
            .WithPartition("super", superSource, PartitionId(2))
            .WithPartition("odm", odmSource, PartitionId(3)));
        string composed = folder.Combine("composed.img");
        await BlockSourceFile.WriteAsync(composition.Disk, composed);

        Assert.That(LayoutFixtures.FilesEqual(expected, composed), Is.True, "byte for byte the same as dd + sgdisk");
        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        Assert.That(ExternalTool.RunChecked(sgdisk, "-v", composed).Output, Does.Contain("No problems found"));
        string second = ExternalTool.RunChecked(sgdisk, "-i", "2", composed).Output;
        long superStart = 2048 + 2048;
        Assert.That(second, Does.Contain($"First sector: {superStart} ").And.Contain($"Last sector: {superStart + (3 * 2048) - 1} ").And.Contain("Partition name: 'super'"));
        Assert.That(LayoutFixtures.AllocatedBytes(composed), Is.LessThan(new FileInfo(composed).Length * 3 / 4), "the inputs' holes stay holes");
    }

    [Test]
    public void A_composed_disk_reads_back_through_its_table_and_the_backup_header_stands_in_for_a_damaged_primary()
    {
        byte[] first = [.. Enumerable.Range(0, 3 * 1024 * 1024 / 2).Select(i => (byte)i)];
        byte[] second = [.. Enumerable.Range(0, 4096).Select(i => (byte)(255 - i))];
        GptComposition composition = GptComposer.Compose(GptCompositeDefinition.Empty
            .WithPartition("boot", new MemoryBlockSource(first))
            .WithPartition("data", new MemoryBlockSource(second)));
        byte[] disk = new byte[composition.Disk.Length];
        composition.Disk.Read(0, disk);

        GptDisk read = GptDisk.Open(new MemoryBlockSource(disk));
        Assert.That(read.Table.Partitions.Select(p => (p.Name, p.FirstLba, p.LastLba)), Is.EqualTo(new[] { ("boot", 2048L, 6143L), ("data", 6144L, 8191L) }));
        Assert.That(read.Table.DiskId, Is.EqualTo(composition.Table.DiskId));
        IBlockSource data = read.OpenPartition(read.GetPartition("data"));
        byte[] back = new byte[4096];
        data.Read(0, back);
        Assert.That(back, Is.EqualTo(second));
        Assert.That(disk.Length, Is.EqualTo((1 + 2 + 1 + 1) * 1024 * 1024));

        disk[512 + 40] ^= 1; // the primary header's first usable LBA: its CRC fails
        GptDisk fallback = GptDisk.Open(new MemoryBlockSource(disk));
        Assert.That(fallback.Table.FromBackup, Is.True);
        Assert.That(fallback.Table.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "boot", "data" }));
        disk[disk.Length - 512 + 40] ^= 1;
        Assert.That(Assert.Throws<InvalidDataException>(() => GptDisk.Open(new MemoryBlockSource(disk)))!.Message,
            Does.Contain("primary GPT header at LBA 1: header CRC32").And.Contain($"backup GPT header at LBA {(disk.Length / 512) - 1}"));
    }

    [Test]
    public async Task Compose_writes_a_disk_sgdisk_accepts_from_sparse_raw_and_super_partition_inputs()
    {
        using var folder = new TempDirectory();
        string systemRaw = LayoutFixtures.WriteImage(folder, "system.raw", 300, seed: 21);
        string super = folder.Combine("super.simg");
        LayoutFixtures.Lpmake("--device-size", "8388608", "--metadata-size", "65536", "--metadata-slots", "2", "--partition", "system_a:readonly:1228800",
            "--image", "system_a=" + systemRaw, "--sparse", "--output", super);
        string vbmeta = LayoutFixtures.Sparse(LayoutFixtures.WriteImage(folder, "vbmeta.raw", 1, seed: 22));

        CliResult result = await CliHarness.RunAsync("compose", folder.Combine("disk.img"), "vbmeta=" + vbmeta, "super=" + super, "system=" + super + ":system_a");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        Assert.That(ExternalTool.RunChecked(sgdisk, "-v", folder.Combine("disk.img")).Output, Does.Contain("No problems found"));
        using RawFileBlockSource disk = RawFileBlockSource.Open(folder.Combine("disk.img"));
        GptDisk gpt = GptDisk.Open(disk);
        Assert.That(gpt.Table.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "vbmeta", "super", "system" }));
        IBlockSource system = gpt.OpenPartition(gpt.GetPartition("system"));
        byte[] contents = new byte[new FileInfo(systemRaw).Length];
        system.Read(0, contents);
        Assert.That(contents, Is.EqualTo(File.ReadAllBytes(systemRaw)));
    }

    [TestCase("compose", "only-output")]
    [TestCase("compose", "{0}", "no-equals-sign")]
    [TestCase("compose", "{0}", "=image")]
    public async Task Bad_pairs_are_usage_errors(params string[] template)
    {
        using var folder = new TempDirectory();
        string[] args = [.. template.Select(a => string.Format(CultureInfo.InvariantCulture, a, folder.Combine("out.img")))];
        CliResult result = await CliHarness.RunAsync(args);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
    }
}
