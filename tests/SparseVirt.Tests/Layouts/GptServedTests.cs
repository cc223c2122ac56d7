using SparseVirt.BlockSources;
using SparseVirt.Cli;
using SparseVirt.Layouts;
using SparseVirt.Layouts.Gpt;
using SparseVirt.Nbd;
using SparseVirt.Sparse;
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
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        Task<int> exit = Task.Run(() => SparsevirtApp.RunAsync(["serve", "--gpt", "vbmeta=" + vbmetaRaw, "super=" + super, "--name", "gpt"], CliConsole.ForStrings(output, error), stop.Token));
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

        string sgdisk = ExternalTool.Require("sgdisk", "gdisk");
        Assert.That(uri, Does.Match(@"^nbd\+unix:///gpt\?socket=/.+"));
        Assert.That(ExternalTool.RunChecked(sgdisk, "-v", copied).Output, Does.Contain("No problems found"));
        Assert.That(ExternalTool.RunChecked(sgdisk, "-i", "2", copied).Output, Does.Contain("First sector: 4096 ").And.Contain("Partition name: 'super'"));
        byte[] disk = File.ReadAllBytes(copied), expected = File.ReadAllBytes(superRaw);
        Assert.That(disk.AsSpan(4096 * 512, expected.Length).SequenceEqual(expected), Is.True, "partition 2 holds the expanded super image");
    }
}
