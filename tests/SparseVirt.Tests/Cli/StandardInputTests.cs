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

    [TestCase("cat {0} | {1} info - --json")]
    [TestCase("{1} info - --json < {0}")]
    [TestCase("cat {0} | {1} verify - --json")]
    [TestCase("{1} verify - --json < {0}")]
    public async Task TheToolReadsItsOwnStandardInputAPipeLeavingNoTemporaryFile(string template)
    {
        using var temporary = new TempDirectory();
        string dotnet = ExternalTool.Find("dotnet") ?? Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "dotnet");
        string tool = $"'{dotnet}' '{Path.Combine(AppContext.BaseDirectory, "sparsevirt.dll")}'";
        string command = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, $"'{RepositoryPaths.HelloSample}'", tool);
        string verb = template.Contains("info", StringComparison.Ordinal) ? "info" : "verify";

        ToolResult result = ExternalTool.Run("/bin/sh", ["-c", command], environment: new Dictionary<string, string> { ["TMPDIR"] = temporary.FullPath });
        CliResult fromFile = await CliHarness.RunAsync(verb, RepositoryPaths.HelloSample, "--json");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Error);
            Assert.That(result.Output, Is.EqualTo(fromFile.Output));
            Assert.That(Directory.GetFileSystemEntries(temporary.FullPath), Is.Empty, "the spooled copy had no name to leave behind");
        });
    }

    /// <summary>A pipe (never seeks, short reads) or a redirected file (seeks).</summary>
    private static Stream Input(byte[] image, bool seekable) =>
        seekable ? new MemoryStream(image, writable: false) : new TrickleStream(image, () => 1000);
}
