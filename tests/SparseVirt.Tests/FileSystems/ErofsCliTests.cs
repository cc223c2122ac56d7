using SparseVirt.Tests.Cli;
using SparseVirt.Tests.FileSystems.Erofs;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Layouts;

namespace SparseVirt.Tests.FileSystems;

/// <summary>
/// The verbs on an EROFS image (lz4hc-compressed, as Android builds them), raw and sparse: the CLI reaches the EROFS
/// driver through <c>FileSystemImage</c>, and its bytes equal the tree mkfs.erofs was given.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ErofsCliTests
{
    [Test]
    public async Task CatAndExtractOfACompressedErofsImageGiveTheSourceTree()
    {
        using var folder = new TempDirectory();
        string tree = folder.Combine("tree");
        Directory.CreateDirectory(Path.Combine(tree, "etc", "deep", "er"));
        var random = new Random(25);
        byte[] big = new byte[700_001];
        random.NextBytes(big.AsSpan(0, 350_000)); // half random, half zeros: compressed and uncompressed pclusters
        File.WriteAllBytes(Path.Combine(tree, "big.bin"), big);
        File.WriteAllText(Path.Combine(tree, "etc", "build.prop"), "ro.build.id=SV25\nro.product.name=erofs\n");
        File.WriteAllText(Path.Combine(tree, "etc", "deep", "er", "leaf.txt"), "leaf\n");
        File.CreateSymbolicLink(Path.Combine(tree, "prop-link"), "etc/build.prop");
        string raw = ErofsImages.Make(folder.Combine("system.erofs"), tree, "-zlz4hc");
        string sparse = LayoutFixtures.Sparse(raw);

        foreach (string source in new[] { raw, sparse })
        {
            (CliResult cat, byte[] bytes) = await CliHarness.RunWithBinaryOutputAsync("cat", source + ":/prop-link");
            Assert.That(cat.ExitCode, Is.Zero, cat.Error);
            Assert.That(bytes, Is.EqualTo(File.ReadAllBytes(Path.Combine(tree, "etc", "build.prop"))), source);
        }
        string output = folder.Combine("out");
        CliResult extract = await CliHarness.RunAsync("extract", sparse + ":/", output);

        Assert.Multiple(() =>
        {
            Assert.That(extract.ExitCode, Is.Zero, extract.Error);
            Assert.That(File.ReadAllBytes(Path.Combine(output, "big.bin")), Is.EqualTo(big));
            Assert.That(File.ReadAllText(Path.Combine(output, "etc", "deep", "er", "leaf.txt")), Is.EqualTo("leaf\n"));
            Assert.That(new FileInfo(Path.Combine(output, "prop-link")).LinkTarget, Is.EqualTo("etc/build.prop"));
        });
    }
}
