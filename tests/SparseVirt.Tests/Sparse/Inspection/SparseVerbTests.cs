using System.Text.Json;
using SparseVirt.Sparse;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Writing;

namespace SparseVirt.Tests.Sparse.Inspection;

/// <summary>The sparse, split, append, info and verify verbs, run in-process: outputs and exit codes.</summary>
public class SparseVerbTests
{
    [Test]
    public async Task SparseWritesAnImageSimg2ImgExpandsToTheInput()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed(1 << 20, seed: 31);
        string raw = RawImages.Write(folder.Combine("in.raw"), source);

        CliResult result = await CliHarness.RunAsync("sparse", raw, folder.Combine("out.simg"), "--block-size", "1024", "--zero-fill", "--crc");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        AospSparseTools.Expand(folder.Combine("out.raw"), folder.Combine("out.simg"));
        Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(source));
        using SparseImage image = SparseImage.Open(folder.Combine("out.simg"));
        Assert.That(image.Header.BlockSize, Is.EqualTo(1024u));
    }

    [Test]
    public async Task TheImg2SimgPositionalBlockSizeWorks()
    {
        using var folder = new TempDirectory();
        string raw = RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(256 * 1024));

        CliResult result = await CliHarness.RunAsync("sparse", raw, folder.Combine("out.simg"), "2048");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        using SparseImage image = SparseImage.Open(folder.Combine("out.simg"));
        Assert.That(image.Header.BlockSize, Is.EqualTo(2048u));
    }

    [Test]
    public async Task SparseReadsStandardInputWithADash()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed(300 * 1024, seed: 35);

        CliResult result = await CliHarness.RunWithInputAsync(() => new MemoryStream(source), "sparse", "-", folder.Combine("out.simg"));

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        AospSparseTools.Expand(folder.Combine("out.raw"), folder.Combine("out.simg"));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(AospSparseTools.Padded(source, 4096)));
            Assert.That(Directory.GetFiles(folder.FullPath, ".*"), Is.Empty, "written under a temporary name, then renamed");
        });
    }

    [TestCase("1000")]
    [TestCase("4098")]
    public async Task ABadBlockSizeIsAUsageErrorAndWritesNothing(string blockSize)
    {
        using var folder = new TempDirectory();
        string raw = RawImages.Write(folder.Combine("in.raw"), new byte[8192]);

        CliResult result = await CliHarness.RunAsync("sparse", raw, folder.Combine("out.simg"), "--block-size", blockSize);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("--block-size " + blockSize).And.Contain("multiple of 4"));
            Assert.That(Directory.GetFiles(folder.FullPath), Is.EqualTo(new[] { raw }));
        });
    }

    [Test]
    public async Task SplitWritesNumberedPiecesAndRefusesATooSmallLimit()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed(1 << 20, seed: 32);
        string image = folder.Combine("in.simg");
        Assert.That((await CliHarness.RunAsync("sparse", RawImages.Write(folder.Combine("in.raw"), source), image)).ExitCode, Is.Zero);

        CliResult tooSmall = await CliHarness.RunAsync("split", image, folder.Combine("tiny"), "100");
        CliResult ok = await CliHarness.RunAsync("split", image, folder.Combine("part"), "256K");

        Assert.Multiple(() =>
        {
            Assert.That(tooSmall.ExitCode, Is.EqualTo(2));
            Assert.That(tooSmall.Error, Does.Contain("MAX_BYTES 100").And.Contain("at least"));
            Assert.That(Directory.GetFiles(folder.FullPath, "tiny*"), Is.Empty);
            Assert.That(ok.ExitCode, Is.Zero, ok.Error);
        });
        string[] pieces = Directory.GetFiles(folder.FullPath, "part.*").OrderBy(p => int.Parse(Path.GetExtension(p)[1..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(pieces, Has.Length.GreaterThan(1));
        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), pieces);
        Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
    }

    [Test]
    public async Task AppendExtendsTheImageAndRefusesAPartialBlock()
    {
        using var folder = new TempDirectory();
        byte[] first = RawImages.Mixed(128 * 1024, seed: 33);
        byte[] more = RawImages.Mixed(64 * 1024, seed: 34);
        string image = folder.Combine("image.simg");
        Assert.That((await CliHarness.RunAsync("sparse", RawImages.Write(folder.Combine("first.raw"), first), image)).ExitCode, Is.Zero);

        CliResult partial = await CliHarness.RunAsync("append", image, RawImages.Write(folder.Combine("odd.raw"), new byte[100]));
        CliResult ok = await CliHarness.RunAsync("append", image, RawImages.Write(folder.Combine("more.raw"), more));

        Assert.Multiple(() =>
        {
            Assert.That(partial.ExitCode, Is.EqualTo(1));
            Assert.That(partial.Error, Does.Contain("not a multiple"));
            Assert.That(ok.ExitCode, Is.Zero, ok.Error);
        });
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(first.Concat(more).ToArray()));
    }

    [Test]
    public async Task InfoPrintsTheChunkTableAndJson()
    {
        CliResult text = await CliHarness.RunAsync("info", RepositoryPaths.HelloSample);
        CliResult json = await CliHarness.RunAsync("info", RepositoryPaths.HelloSample, "--json");

        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.Zero, text.Error);
            Assert.That(text.Output, Does.Contain("blocks: 1024 of 4096 bytes").And.Contain("fill 0xDEADBEEF").And.Contain("DONT_CARE"));
            Assert.That(json.ExitCode, Is.Zero, json.Error);
        });
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.That(document.RootElement.GetProperty("header").GetProperty("totalBlocks").GetUInt32(), Is.EqualTo(1024u));
    }

    [Test]
    public async Task InfoOnARawFileFailsWithExitCode1()
    {
        using var folder = new TempDirectory();
        string raw = RawImages.Write(folder.Combine("disk.img"), new byte[8192]);

        CliResult result = await CliHarness.RunAsync("info", raw);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.Contain("wrong magic"));
        });
    }

    [Test]
    public async Task VerifySucceedsOnAGoodImageAndExits1WithTheFirstProblem()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("crc.simg");
        Assert.That((await CliHarness.RunAsync("sparse", RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(512 * 1024)), image, "--crc")).ExitCode, Is.Zero);

        CliResult good = await CliHarness.RunAsync("verify", image);
        byte[] bytes = File.ReadAllBytes(image);
        bytes[^1] ^= 0x55; // the last byte is the CRC32 chunk's checksum
        File.WriteAllBytes(image, bytes);
        CliResult bad = await CliHarness.RunAsync("verify", image);

        Assert.Multiple(() =>
        {
            Assert.That(good.ExitCode, Is.Zero, good.Error);
            Assert.That(good.Output, Does.Contain("OK").And.Contain("1 CRC32 chunk(s) match").And.Contain("image checksum matches"));
            Assert.That(bad.ExitCode, Is.EqualTo(1));
            Assert.That(bad.Error, Does.Contain("CRC32 mismatch"));
        });
    }
}
