using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;
using SparseVirt.Tests.TestGuests;

namespace SparseVirt.Tests.Nbd;

/// <summary><c>sparsevirt run</c> boots sparse images through the in-process NBD export: nothing is expanded.</summary>
public class RunOverNbdTests
{
    private const string FarLine = "read 100 MiB in over NBD";

    /// <summary>A 101 MiB sparse image: the boot sector, DONT_CARE up to 100 MiB, the text block there, more DONT_CARE.</summary>
    private static void WriteFarSectorImage(string path)
    {
        byte[] boot = new byte[4096];
        FarSectorBootGuest.BuildBootSector(100L * 1024 * 1024 / 512).CopyTo(boot, 0);
        File.WriteAllBytes(path, new SparseImageBuilder()
            .Raw(boot).DontCare((100 * 256) - 1).Raw(FarSectorBootGuest.TextBlock(FarLine, 4096)).DontCare(255).Build());
    }

    [Test]
    public async Task A_guest_boots_from_a_served_sparse_image_reads_100_MiB_in_and_no_raw_file_is_made()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var dir = new TempDirectory();
        string image = dir.Combine("far.simg"), cache = dir.Combine("cache");
        WriteFarSectorImage(image);
        string[] overlaysBefore = Directory.GetFiles(Path.GetTempPath(), "sparsevirt-overlay-*");

        CliResult result = await CliHarness.RunAsync("run", image, "--cache", cache, "--memory", "32M", "--accel", "tcg", "--timeout", "60");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain(FarLine));
        Assert.That(result.Error, Does.Contain("served over NBD"));
        Assert.That(Directory.Exists(cache) ? Directory.GetFiles(cache, "*", SearchOption.AllDirectories) : [], Is.Empty, "nothing in the cache");
        Assert.That(Directory.GetFiles(dir.FullPath), Is.EqualTo(new[] { image }), "no file beside the image");
        Assert.That(Directory.GetFiles(Path.GetTempPath(), "sparsevirt-overlay-*"), Is.EquivalentTo(overlaysBefore), "no overlay file left");
    }

    [Test]
    public async Task An_overlay_keeps_the_guests_writes_in_qcow2_and_the_image_is_unchanged()
    {
        ExternalTool.Require("qemu-system-x86_64", "qemu-system-x86");
        using var dir = new TempDirectory();
        string image = dir.Combine("far.simg"), overlay = dir.Combine("writes.qcow2");
        WriteFarSectorImage(image);
        byte[] before = File.ReadAllBytes(image);

        CliResult result = await CliHarness.RunAsync("run", image, "--overlay", overlay, "--memory", "32M", "--accel", "tcg", "--timeout", "60");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain(FarLine));
        Assert.That(File.Exists(overlay), Is.True);
        ToolResult info = ExternalTool.RunChecked(NbdTools.QemuImg, "info", "--output=json", overlay);
        Assert.That(info.Output, Does.Contain("\"format\": \"qcow2\"").And.Contain("\"virtual-size\": " + (101L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(File.ReadAllBytes(image), Is.EqualTo(before));
    }
}
