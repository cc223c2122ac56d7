using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Cli;

public class UnsparseCommandTests
{
    [Test]
    public async Task ExpandsAnImageQuietlyAndExits0()
    {
        var builder = new SparseImageBuilder().Raw(2, seed: 1).Fill(0, 3).DontCare(1);
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in.simg"), builder.Build());

        CliResult result = await CliHarness.RunAsync("unsparse", "--verify", folder.Combine("in.simg"), folder.Combine("out.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
            Assert.That(result.Error, Is.Empty);
            Assert.That(result.Output, Is.Empty);
        });
        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(folder.Combine("out.raw")));
    }

    [Test]
    public async Task FsyncGivesTheSameOutputsDurablyForUnsparseSparseAndSplit()
    {
        var builder = new SparseImageBuilder().Raw(3, seed: 7).Fill(0x01020304, 2).DontCare(3);
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in.simg"), builder.Build());

        CliResult unsparse = await CliHarness.RunAsync("unsparse", "--fsync", folder.Combine("in.simg"), folder.Combine("out.raw"));
        CliResult sparse = await CliHarness.RunAsync("sparse", "--fsync", folder.Combine("out.raw"), folder.Combine("again.simg"));
        CliResult split = await CliHarness.RunAsync("split", "--fsync", folder.Combine("again.simg"), folder.Combine("piece"), "8K");
        CliResult again = await CliHarness.RunAsync("unsparse", folder.Combine("again.simg"), folder.Combine("again.raw"));
        string[] pieces = Directory.GetFiles(folder.FullPath, "piece.*").Order(StringComparer.Ordinal).ToArray();
        CliResult joined = await CliHarness.RunAsync(["unsparse", .. pieces, folder.Combine("joined.raw")]);

        Assert.Multiple(() =>
        {
            Assert.That(unsparse.ExitCode, Is.Zero, unsparse.Error);
            Assert.That(sparse.ExitCode, Is.Zero, sparse.Error);
            Assert.That(again.ExitCode, Is.Zero, again.Error);
            Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(builder.Expected));
            Assert.That(File.ReadAllBytes(folder.Combine("again.raw")), Is.EqualTo(builder.Expected));
            Assert.That(split.ExitCode, Is.Zero, split.Error);
            Assert.That(pieces, Has.Length.GreaterThan(1));
            Assert.That(joined.ExitCode, Is.Zero, joined.Error);
            Assert.That(File.ReadAllBytes(folder.Combine("joined.raw")), Is.EqualTo(builder.Expected));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(5 + pieces.Length), "no temporary file stays");
        });
    }

    [Test]
    public async Task SeveralInputsOverlayInOrder()
    {
        var first = new SparseImageBuilder(blockSize: 16).Raw(2, seed: 2);
        var second = new SparseImageBuilder(blockSize: 16).DontCare(1).Fill(0x04030201, 1);
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("a.simg"), first.Build());
        File.WriteAllBytes(folder.Combine("b.simg"), second.Build());

        CliResult result = await CliHarness.RunAsync("unsparse", folder.Combine("a.simg"), folder.Combine("b.simg"), folder.Combine("out.raw"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        ByteAssert.Equal([.. first.Expected[..16], .. second.Expected[16..]], File.ReadAllBytes(folder.Combine("out.raw")));
    }

    [Test]
    public async Task ADashReadsTheImageFromStandardInput()
    {
        var builder = new SparseImageBuilder().Raw(3, seed: 3).DontCare(2).Fill(9, 1);
        byte[] image = builder.Build();
        using var folder = new TempDirectory();

        CliResult result = await CliHarness.RunWithInputAsync(() => new TrickleStream(image, () => 1000), "unsparse", "-", folder.Combine("out.raw"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(folder.Combine("out.raw")));
    }

    [Test]
    public async Task ABadImageIsNamedWithItsProblemAndExits1WithoutAStackTrace()
    {
        var builder = new SparseImageBuilder().Raw(1, seed: 4).Custom(0xCAC9, 1, []);
        using var folder = new TempDirectory();
        string input = folder.Combine("bad.simg");
        File.WriteAllBytes(input, builder.Build());

        CliResult result = await CliHarness.RunAsync("unsparse", input, folder.Combine("out.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.StartWith($"sparsevirt: {input}: ").And.Contain("chunk 1").And.Contain("unknown chunk type 0xCAC9").And.Contain("byte offset 4136"));
            Assert.That(result.Error, Does.Not.Contain("   at "));
            Assert.That(File.Exists(folder.Combine("out.raw")), Is.False);
        });
    }

    [Test]
    public async Task ATruncatedImageOnStandardInputExits1()
    {
        byte[] image = new SparseImageBuilder().Raw(2, seed: 5).Build()[..5000];
        using var folder = new TempDirectory();

        CliResult result = await CliHarness.RunWithInputAsync(() => new TrickleStream(image, () => 4096), "unsparse", "-", folder.Combine("out.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.StartWith("sparsevirt: standard input: ").And.Contain("ends inside the RAW payload"));
            Assert.That(Directory.GetFiles(folder.FullPath), Is.Empty, "no temporary file is left behind");
        });
    }

    [Test]
    public async Task AMissingInputExits1()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliHarness.RunAsync("unsparse", folder.Combine("missing.simg"), folder.Combine("out.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.Contain("missing.simg"));
        });
    }

    [TestCase("unsparse")]
    [TestCase("unsparse", "only-one.simg")]
    [TestCase("unsparse", "in.simg", "-")]
    [TestCase("unsparse", "-", "other.simg", "out.raw")]
    [TestCase("unsparse", "--no-such-option", "in.simg", "out.raw")]
    public async Task UsageErrorsExit2(params string[] args)
    {
        CliResult result = await CliHarness.RunAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.StartWith("sparsevirt: "));
        });
    }
}
