using SparseVirt.BlockSources;
using SparseVirt.Layouts.Super;
using SparseVirt.Sparse;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Layouts;

/// <summary>Super images made by AOSP's lpmake read and extracted identically to simg2img + lpunpack, and the reverse.</summary>
public class SuperAospInteropTests
{
    private static string[] LpmakeArguments(string system, string vendor, string output, bool sparse) =>
    [
        "--device-size", "33554432", "--metadata-size", "65536", "--metadata-slots", "2",
        "--group", "main_a:16777216", "--group", "main_b:16777216",
        "--partition", "system_a:readonly:2457600:main_a", "--partition", "vendor_a:readonly:1228800:main_a",
        "--partition", "odm_a:none:0:main_a", "--partition", "system_b:readonly:0:main_b", "--partition", "vendor_b:readonly:0:main_b",
        "--image", "system_a=" + system, "--image", "vendor_a=" + vendor,
        .. sparse ? new[] { "--sparse" } : [],
        "--output", output,
    ];

    [TestCase(0u)]
    [TestCase(1u)]
    public async Task Raw_sparse_and_split_sparse_super_images_unpack_like_simg2img_plus_lpunpack(uint slot)
    {
        using var folder = new TempDirectory();
        string system = LayoutFixtures.WriteImage(folder, "system.raw", 600, seed: 1);
        string vendor = LayoutFixtures.Sparse(LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 2));
        string raw = folder.Combine("super.raw"), sparse = folder.Combine("super.simg");
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, raw, sparse: false));
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, sparse, sparse: true));
        ExternalTool.RunChecked(ExternalTool.Require("simg2simg", "android-sdk-libsparse-utils"), sparse, folder.Combine("super.part"), "1500000");
        string[] pieces = [.. Directory.GetFiles(folder.FullPath, "super.part.*").OrderBy(p => int.Parse(p[(p.LastIndexOf('.') + 1)..], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.That(pieces, Has.Length.GreaterThan(1), "simg2simg split the image");
        string expected = LayoutFixtures.Lpunpack(folder, LayoutFixtures.Expand(folder.Combine("expanded.raw"), sparse), "expected", slot);

        CliResult fromRaw = await CliHarness.RunAsync("super", "unpack", raw, folder.Combine("raw-out"), "--slot", slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CliResult fromSparse = await CliHarness.RunAsync("super", "unpack", sparse, folder.Combine("sparse-out"), "--slot", slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CliResult fromPieces = await CliHarness.RunAsync(["super", "unpack", .. pieces, folder.Combine("pieces-out"), "--slot", slot.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.That(new[] { fromRaw.ExitCode, fromSparse.ExitCode, fromPieces.ExitCode }, Is.All.Zero, fromRaw.Error + fromSparse.Error + fromPieces.Error);
        LayoutFixtures.AssertSameFiles(expected, folder.Combine("raw-out"));
        LayoutFixtures.AssertSameFiles(expected, folder.Combine("sparse-out"));
        LayoutFixtures.AssertSameFiles(expected, folder.Combine("pieces-out"));
        Assert.That(File.ReadAllBytes(folder.Combine("sparse-out/system_a.img")), Is.EqualTo(File.ReadAllBytes(system)));
        Assert.That(LayoutFixtures.AllocatedBytes(folder.Combine("sparse-out/system_a.img")), Is.LessThan(new FileInfo(system).Length * 3 / 4), "zero blocks are holes");
        string unpackedRaw = LayoutFixtures.Lpunpack(folder, raw, "lpunpack-raw", slot);
        LayoutFixtures.AssertNoMoreAllocated(unpackedRaw, folder.Combine("raw-out"));
        LayoutFixtures.AssertNoMoreAllocated(unpackedRaw, folder.Combine("sparse-out"));
        LayoutFixtures.AssertNoMoreAllocated(unpackedRaw, folder.Combine("pieces-out"));
    }

    [Test]
    public async Task A_raw_super_with_written_zeros_unpacks_as_sparsely_as_lpunpack()
    {
        // The case: a raw super image whose zero blocks are allocated (written zeros, as a copy without
        // holes makes them): every block is data to SEEK_DATA, so only reading finds the zeros.
        using var folder = new TempDirectory();
        string system = LayoutFixtures.WriteImage(folder, "system.raw", 600, seed: 3);
        string vendor = LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 4);
        string raw = folder.Combine("super.raw"), dense = folder.Combine("super.dense");
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, raw, sparse: false));
        ExternalTool.RunChecked("/bin/cp", "--sparse=never", raw, dense);
        Assert.That(LayoutFixtures.AllocatedBytes(dense), Is.GreaterThanOrEqualTo(new FileInfo(dense).Length), "the copy has no holes");
        string expected = LayoutFixtures.Lpunpack(folder, dense, "expected");

        CliResult result = await CliHarness.RunAsync("super", "unpack", dense, folder.Combine("out"));

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        LayoutFixtures.AssertSameFiles(expected, folder.Combine("out"));
        LayoutFixtures.AssertNoMoreAllocated(expected, folder.Combine("out"));
        Assert.That(LayoutFixtures.AllocatedBytes(folder.Combine("out/system_a.img")), Is.LessThan(new FileInfo(system).Length * 3 / 4), "zero blocks are holes");
    }

    [Test]
    public void A_sparse_super_reads_in_place_and_its_partitions_report_holes()
    {
        using var folder = new TempDirectory();
        string system = LayoutFixtures.WriteImage(folder, "system.raw", 600, seed: 3);
        string vendor = LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 4);
        string sparse = folder.Combine("super.simg");
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, sparse, sparse: true));

        using SparseBlockSource source = SparseBlockSource.Open(sparse);
        SuperImage image = SuperImage.Open(source, SuperImageOptions.Default.WithSlot(1));

        Assert.Multiple(() =>
        {
            Assert.That(image.Metadata.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "system_a", "vendor_a", "odm_a", "system_b", "vendor_b" }));
            Assert.That(image.Metadata.Groups.Select(g => g.Name), Is.EqualTo(new[] { "default", "main_a", "main_b" }));
            Assert.That(image.Metadata.SizeOf(image.GetPartition("system_a")), Is.EqualTo(2457600));
            Assert.That(image.Metadata.ExtentsOf(image.GetPartition("system_b")), Is.Empty);
            Assert.That(image.GetPartition("system_a").Attributes, Is.EqualTo(LpPartitionAttributes.ReadOnly));
            Assert.That(image.MetadataCopy, Is.EqualTo(LpMetadataCopy.Primary));
        });
        IBlockSource vendorPartition = image.OpenPartition("vendor_a");
        byte[] read = new byte[vendorPartition.Length];
        vendorPartition.Read(0, read);
        Assert.That(read, Is.EqualTo(File.ReadAllBytes(vendor)));
        // lpmake writes blocks of one repeated word as FILL chunks: the zero runs come back as zero extents, never data.
        Assert.That(vendorPartition.GetExtents(0, vendorPartition.Length).Where(e => e.ReadsAsZeros).Sum(e => e.Length), Is.GreaterThanOrEqualTo(100 * 4096));
    }

    [Test]
    public async Task Super_make_writes_what_lpmake_writes_and_lpunpack_gives_the_inputs_back()
    {
        using var folder = new TempDirectory();
        string system = LayoutFixtures.WriteImage(folder, "system.raw", 600, seed: 5);
        string vendorRaw = LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 6);
        string vendor = LayoutFixtures.Sparse(vendorRaw);
        string reference = folder.Combine("lpmake.raw");
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, reference, sparse: false));

        CliResult raw = await CliHarness.RunAsync(["super", "make", .. LpmakeArguments(system, vendor, folder.Combine("made.raw"), sparse: false)]);
        CliResult sparse = await CliHarness.RunAsync(["super", "make", .. LpmakeArguments(system, vendor, folder.Combine("made.simg"), sparse: true)]);

        Assert.That(new[] { raw.ExitCode, sparse.ExitCode }, Is.All.Zero, raw.Error + sparse.Error);
        Assert.That(LayoutFixtures.FilesEqual(reference, folder.Combine("made.raw")), Is.True, "byte-identical to lpmake's output");
        Assert.That(SparseImage.IsSparseImage(folder.Combine("made.simg")), Is.True);
        string unpacked = LayoutFixtures.Lpunpack(folder, LayoutFixtures.Expand(folder.Combine("made.expanded"), folder.Combine("made.simg")), "unpacked");
        Assert.That(File.ReadAllBytes(Path.Combine(unpacked, "system_a.img")), Is.EqualTo(File.ReadAllBytes(system)));
        Assert.That(File.ReadAllBytes(Path.Combine(unpacked, "vendor_a.img")), Is.EqualTo(File.ReadAllBytes(vendorRaw)));
        Assert.That(new FileInfo(Path.Combine(unpacked, "system_b.img")).Length, Is.Zero);
    }

    [Test]
    public async Task A_super_empty_image_from_lpmake_is_read_and_super_make_writes_the_same()
    {
        using var folder = new TempDirectory();
        string[] arguments = ["--device-size", "8388608", "--metadata-size", "4096", "--metadata-slots", "3", "--partition", "system:readonly:1048576", "--partition", "cache:none:4096"];
        LayoutFixtures.Lpmake([.. arguments, "--output", folder.Combine("lpmake-empty.img")]);

        CliResult made = await CliHarness.RunAsync(["super", "make", .. arguments, "--output", folder.Combine("empty.img")]);
        CliResult info = await CliHarness.RunAsync("super", "info", folder.Combine("lpmake-empty.img"), "--json");

        Assert.That(made.ExitCode, Is.Zero, made.Error);
        Assert.That(File.ReadAllBytes(folder.Combine("empty.img")), Is.EqualTo(File.ReadAllBytes(folder.Combine("lpmake-empty.img"))));
        Assert.That(info.ExitCode, Is.Zero, info.Error);
        using var json = System.Text.Json.JsonDocument.Parse(info.Output);
        Assert.That(json.RootElement.GetProperty("metadataCopy").GetString(), Is.EqualTo("emptyImage"));
        Assert.That(json.RootElement.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("name").GetString()), Is.EqualTo(new[] { "system", "cache" }));
        Assert.That(json.RootElement.GetProperty("geometry").GetProperty("metadataSlotCount").GetUInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task An_ext4_partition_unpacked_from_a_sparse_super_passes_e2fsck()
    {
        using var folder = new TempDirectory();
        string content = folder.Combine("content");
        Directory.CreateDirectory(Path.Combine(content, "etc"));
        File.WriteAllText(Path.Combine(content, "etc", "build.prop"), "ro.build.id=TEST\n");
        File.WriteAllBytes(Path.Combine(content, "blob.bin"), [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31))]);
        string ext4 = folder.Combine("system.ext4");
        ExternalTool.RunChecked(ExternalTool.Require("mke2fs", "e2fsprogs"), "-q", "-F", "-t", "ext4", "-d", content, ext4, "16M");
        string super = folder.Combine("super.simg");
        LayoutFixtures.Lpmake("--device-size", "33554432", "--metadata-size", "65536", "--metadata-slots", "1",
            "--partition", "system:readonly:16777216", "--image", "system=" + LayoutFixtures.Sparse(ext4), "--sparse", "--output", super);

        CliResult result = await CliHarness.RunAsync("super", "unpack", super, folder.Combine("out"), "--partition", "system");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        ToolResult fsck = ExternalTool.Run(ExternalTool.Require("e2fsck", "e2fsprogs"), ["-fn", folder.Combine("out/system.img")]);
        Assert.That(fsck.ExitCode, Is.Zero, fsck.Output + fsck.Error);
        Assert.That(LayoutFixtures.FilesEqual(ext4, folder.Combine("out/system.img")), Is.True);
    }

    [Test]
    public async Task Unpack_sparse_writes_sparse_images_that_simg2img_expands_to_the_partitions()
    {
        using var folder = new TempDirectory();
        string system = LayoutFixtures.WriteImage(folder, "system.raw", 400, seed: 31);
        string vendor = LayoutFixtures.WriteImage(folder, "vendor.raw", 300, seed: 32);
        string sparse = folder.Combine("super.simg");
        LayoutFixtures.Lpmake(LpmakeArguments(system, vendor, sparse, sparse: true).Select(a => a.Replace("2457600", "1638400", StringComparison.Ordinal)).ToArray());

        CliResult result = await CliHarness.RunAsync("super", "unpack", sparse, folder.Combine("out"), "--sparse", "-p", "system_a", "-p", "vendor_a");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(Directory.GetFiles(folder.Combine("out")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "system_a.img", "vendor_a.img" }));
        Assert.That(SparseImage.IsSparseImage(folder.Combine("out/system_a.img")), Is.True);
        Assert.That(File.ReadAllBytes(LayoutFixtures.Expand(folder.Combine("system.back"), folder.Combine("out/system_a.img"))), Is.EqualTo(File.ReadAllBytes(system)));
        Assert.That(File.ReadAllBytes(LayoutFixtures.Expand(folder.Combine("vendor.back"), folder.Combine("out/vendor_a.img"))), Is.EqualTo(File.ReadAllBytes(vendor)));

        CliResult missing = await CliHarness.RunAsync("super", "unpack", sparse, folder.Combine("none"), "-p", "nonesuch");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Error, Does.Contain("no partition 'nonesuch'").And.Contain("system_a"));
        Assert.That(Directory.Exists(folder.Combine("none")), Is.False, "nothing is written when a named partition is missing");
    }
}
