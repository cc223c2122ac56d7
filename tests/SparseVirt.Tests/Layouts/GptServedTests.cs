using SparseVirt.BlockSources;
using SparseVirt.Cli;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Nbd;
using SparseVirt.Sparse;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Nbd;

namespace SparseVirt.Tests.Layouts;

/// <summary>A composed GPT disk presented without being written: served over NBD, it reads as the written disk does.</summary>
public class GptServedTests
{
    [Test]
    public async Task A_composed_layout_served_over_nbd_equals_the_written_one()
    {
        using var folder = new TempDirectory();
        string vbmeta = LayoutFixtures.Sparse(LayoutFixtures.WriteImage(folder, "vbmeta.raw", 2, seed: 21));
        string super = LayoutFixtures.Sparse(LayoutFixtures.WriteImage(folder, "super.raw", 300, seed: 22));
        using SparseBlockSource vbmetaSource = SparseBlockSource.Open(vbmeta), superSource = SparseBlockSource.Open(super);
        GptComposition composition = GptComposer.Compose(GptCompositeDefinition.Empty
            .WithDiskId(new Guid("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"))
            .WithPartition("vbmeta", vbmetaSource, new Guid("11111111-2222-3333-4444-555555555555"))
            .WithPartition("super", superSource, new Guid("66666666-7777-8888-9999-AAAAAAAAAAAA")));
        string written = folder.Combine("written.img"), copied = folder.Combine("copied.img");
        await BlockSourceFile.WriteAsync(composition.Disk, written);

        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", composition.Disk)], NbdServerOptions.Default);
        ExternalTool.RunChecked(NbdTools.NbdCopy, server.GetUri(), copied);

        Assert.That(LayoutFixtures.FilesEqual(written, copied), Is.True, "the served disk reads byte for byte as the written one");
        Assert.That(ExternalTool.RunChecked(ExternalTool.Require("sgdisk", "gdisk"), "-v", copied).Output, Does.Contain("No problems found"));
    }

    [Test]
    public async Task Serve_gpt_presents_a_disk_whose_partitions_hold_the_images()
    {
        using var folder = new TempDirectory();
        string vbmetaRaw = LayoutFixtures.WriteImage(folder, "vbmeta.raw", 2, seed: 31);
        string superRaw = LayoutFixtures.WriteImage(folder, "super.raw", 100, seed: 32);
        string super = LayoutFixtures.Sparse(superRaw);
        string copied = folder.Combine("copied.img");
        string uri = await ServeAndCopyAsync(["serve", "--gpt", "vbmeta=" + vbmetaRaw, "super=" + super, "--name", "gpt"], copied);

        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        Assert.That(uri, Does.Match(@"^nbd\+unix:///gpt\?socket=/.+"));
        Assert.That(ExternalTool.RunChecked(sgdisk, "-v", copied).Output, Does.Contain("No problems found"));
        Assert.That(ExternalTool.RunChecked(sgdisk, "-i", "2", copied).Output, Does.Contain("First sector: 4096 ").And.Contain("Partition name: 'super'"));
        byte[] disk = File.ReadAllBytes(copied), expected = File.ReadAllBytes(superRaw);
        Assert.That(disk.AsSpan(4096 * 512, expected.Length).SequenceEqual(expected), Is.True, "partition 2 holds the expanded super image");
    }

    [Test]
    public async Task Compose_twice_and_serve_gpt_give_the_same_bytes_and_guids_vary_only_when_asked()
    {
        using var folder = new TempDirectory();
        string vbmeta = LayoutFixtures.WriteImage(folder, "vbmeta.raw", 2, seed: 41);
        string super = LayoutFixtures.Sparse(LayoutFixtures.WriteImage(folder, "super.raw", 100, seed: 42));
        string[] pairs = ["vbmeta=" + vbmeta, "super=" + super, "misc=" + vbmeta];
        string Disk(string name) => folder.Combine(name);
        async Task Compose(string name, params string[] options)
        {
            CliResult result = await CliHarness.RunAsync(["compose", Disk(name), .. pairs, .. options]);
            Assert.That(result.ExitCode, Is.Zero, result.Error);
        }

        await Compose("first.img");
        await Compose("second.img");
        await ServeAndCopyAsync(["serve", "--gpt", .. pairs], Disk("served.img"));
        await Compose("seeded.img", "--disk-guid", "5a7e0b2c-1d3f-4e5a-9b8c-7d6e5f4a3b2c");
        await Compose("seeded-again.img", "--disk-guid", "5a7e0b2c-1d3f-4e5a-9b8c-7d6e5f4a3b2c");
        await Compose("random.img", "--random-guids");
        await Compose("random-again.img", "--random-guids");

        Assert.That(LayoutFixtures.FilesEqual(Disk("first.img"), Disk("second.img")), Is.True, "compose twice: the same bytes");
        Assert.That(LayoutFixtures.FilesEqual(Disk("first.img"), Disk("served.img")), Is.True, "serve --gpt serves what compose writes");
        Assert.That(LayoutFixtures.FilesEqual(Disk("seeded.img"), Disk("seeded-again.img")), Is.True, "a fixed disk GUID is as reproducible");
        Assert.That(LayoutFixtures.FilesEqual(Disk("first.img"), Disk("seeded.img")), Is.False, "--disk-guid varies the disk");
        Assert.That(LayoutFixtures.FilesEqual(Disk("random.img"), Disk("random-again.img")), Is.False, "--random-guids draws new ones");
        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        foreach (string name in (string[])["first.img", "seeded.img", "random.img"])
        {
            Assert.That(ExternalTool.RunChecked(sgdisk, "-v", Disk(name)).Output, Does.Contain("No problems found"), name);
        }
        AssertValidDistinctGuids(Disk("first.img"), expectedVersion: 8);
        AssertValidDistinctGuids(Disk("seeded.img"), expectedVersion: 8, diskGiven: true);
        AssertValidDistinctGuids(Disk("random.img"), expectedVersion: 4);
        using RawFileBlockSource seeded = RawFileBlockSource.Open(Disk("seeded.img"));
        Assert.That(GptDisk.Open(seeded).Table.DiskId, Is.EqualTo(new Guid("5a7e0b2c-1d3f-4e5a-9b8c-7d6e5f4a3b2c")));
    }

    [Test]
    public async Task The_guid_options_need_a_composed_disk_and_a_well_formed_guid()
    {
        using var folder = new TempDirectory();
        string image = LayoutFixtures.WriteImage(folder, "image.raw", 2, seed: 43);

        CliResult notGpt = await CliHarness.RunAsync("serve", LayoutFixtures.Sparse(image), "--random-guids");
        CliResult badGuid = await CliHarness.RunAsync("compose", folder.Combine("disk.img"), "a=" + image, "--disk-guid", "not-a-guid");

        Assert.That(notGpt.ExitCode, Is.EqualTo(2), notGpt.Error);
        Assert.That(notGpt.Error, Does.Contain("need --gpt"));
        Assert.That(badGuid.ExitCode, Is.EqualTo(2), badGuid.Error);
        Assert.That(badGuid.Error, Does.Contain("--disk-guid not-a-guid: not a GUID"));
        Assert.That(File.Exists(folder.Combine("disk.img")), Is.False);
    }

    /// <summary>The disk's GUIDs are all different, of RFC 9562's variant and of <paramref name="expectedVersion"/> (but a disk GUID given).</summary>
    private static void AssertValidDistinctGuids(string path, int expectedVersion, bool diskGiven = false)
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(path);
        GptTable table = GptDisk.Open(source).Table;
        Guid[] guids = [table.DiskId, .. table.Partitions.Select(p => p.UniqueId)];
        Assert.That(guids, Is.Unique, path);
        foreach (Guid guid in diskGiven ? guids[1..] : guids)
        {
            Assert.That((guid.Version, guid.Variant >> 2), Is.EqualTo((expectedVersion, 0b10)), $"{path}: {guid}");
        }
    }

    /// <summary>Runs <c>sparsevirt serve</c>, copies its export to <paramref name="copied"/> with nbdcopy, stops it; returns its URI.</summary>
    private static async Task<string> ServeAndCopyAsync(string[] arguments, string copied)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        Task<int> exit = Task.Run(() => SparsevirtApp.RunAsync(arguments, CliConsole.ForStrings(output, error), stop.Token));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!output.ToString().Contains('\n', StringComparison.Ordinal) && !exit.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.That(exit.IsCompleted, Is.False, "serve --gpt is running: " + error);
        string uri = output.ToString().Split('\n')[0].Trim();

        ExternalTool.RunChecked(NbdTools.NbdCopy, uri, copied);
        await stop.CancelAsync();
        Assert.That(await exit, Is.Zero, error.ToString());
        return uri;
    }
}
