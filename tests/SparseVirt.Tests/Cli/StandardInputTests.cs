using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Cli;

/// <summary><c>info -</c> and <c>verify -</c>: standard input, a pipe (spooled to an unnamed file) or a seekable file.</summary>
public class StandardInputTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task InfoDashDescribesStandardInputAsTheFileItself(bool seekable)
    {
        byte[] image = File.ReadAllBytes(RepositoryPaths.HelloSample);

        CliResult fromFile = await CliHarness.RunAsync("info", RepositoryPaths.HelloSample, "--json");
        CliResult fromInput = await CliHarness.RunWithInputAsync(() => Input(image, seekable), "info", "-", "--json");
        CliResult text = await CliHarness.RunWithInputAsync(() => Input(image, seekable), "info", "-");

        Assert.Multiple(() =>
        {
            Assert.That(fromInput.ExitCode, Is.Zero, fromInput.Error);
            Assert.That(fromInput.Output, Is.EqualTo(fromFile.Output));
            Assert.That(text.Output, Does.StartWith("standard input: Android sparse image, version 1.0"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task VerifyDashChecksStandardInputsChecksums(bool seekable)
    {
        var builder = new SparseImageBuilder().Raw(3, seed: 41).Crc32().Fill(7, 2);
        builder.ImageChecksum = builder.RunningCrc;
        byte[] good = builder.Build();
        builder.ImageChecksum ^= 1;
        byte[] bad = builder.Build();

        CliResult valid = await CliHarness.RunWithInputAsync(() => Input(good, seekable), "verify", "-");
        CliResult invalid = await CliHarness.RunWithInputAsync(() => Input(bad, seekable), "verify", "-", "--json");

        Assert.Multiple(() =>
        {
            Assert.That(valid.ExitCode, Is.Zero, valid.Error);
            Assert.That(valid.Output, Does.StartWith("standard input: OK: 3 chunks").And.Contain("1 CRC32 chunk(s) match, image checksum matches"));
            Assert.That(invalid.ExitCode, Is.EqualTo(1));
            Assert.That(invalid.Output, Does.Contain("\"isValid\": false").And.Contain("image checksum mismatch"));
        });
    }

    [Test]
    public async Task AnEmptyStandardInputIsBadInputNamedAsSuch()
    {
        CliResult result = await CliHarness.RunWithInputAsync(() => Input([], seekable: false), "info", "-");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.StartWith("sparsevirt: ").And.Not.Contain("   at "));
        });
    }

    /// <summary>A pipe (never seeks, short reads) or a redirected file (seeks).</summary>
    private static Stream Input(byte[] image, bool seekable) =>
        seekable ? new MemoryStream(image, writable: false) : new TrickleStream(image, () => 1000);
}
