using System.Text.Json;
using SparseVirt.Cli.Commands;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Cli;

/// <summary>Every verb: --help with examples, a usage error (2), bad input (1), and its --json output where it has one.</summary>
public class VerbMatrixTests
{
    private static readonly string[] s_verbs = ["info", "unsparse", "sparse", "split", "append", "verify", "check", "run", "serve", "super", "compose", "ls", "cat", "stat", "extract"];

    [TestCaseSource(nameof(s_verbs))]
    public async Task HelpDescribesTheVerbWithExamplesAndSucceeds(string verb)
    {
        CliResult result = await CliHarness.RunAsync(verb, "--help");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.Output, Does.Contain("Usage:").And.Contain($"sparsevirt {verb}"));
            Assert.That(result.Output, Does.Contain("Examples:"));
            Assert.That(result.Output.IndexOf("Examples:", StringComparison.Ordinal), Is.GreaterThan(result.Output.IndexOf("Options:", StringComparison.Ordinal)), "examples come last");
            Assert.That(result.Output, Does.Contain("--verbose"), "the global --verbose option is offered");
        });
    }

    [Test]
    public void EveryRegisteredVerbHasExamples()
    {
        Assert.That(CommandCatalog.VerbsWithExamples, Is.EquivalentTo(s_verbs));
    }

    [TestCase("info")]
    [TestCase("unsparse", "only-one-argument")]
    [TestCase("sparse")]
    [TestCase("split", "in.simg", "out")]
    [TestCase("append", "only-one")]
    [TestCase("verify")]
    [TestCase("run")]
    [TestCase("serve")]
    [TestCase("serve", "{0}", "--overlay", "x")]
    [TestCase("check", "--no-such-option")]
    [TestCase("ls")]
    [TestCase("cat", "no-such-image:/build.prop")]
    [TestCase("stat", "{0}")]
    [TestCase("extract", "{0}:/")]
    public async Task MissingArgumentsOrUnknownOptionsAreUsageErrors(params string[] args)
    {
        CliResult result = await CliHarness.RunAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
            Assert.That(result.Error, Does.StartWith("sparsevirt:"));
        });
    }

    [TestCase("info", "{0}")]
    [TestCase("unsparse", "{0}", "{1}")]
    [TestCase("split", "{0}", "{1}", "1M")]
    [TestCase("append", "{0}", "{2}")]
    [TestCase("verify", "{0}")]
    [TestCase("run", "{0}", "--qemu", "/nonexistent/qemu")]
    [TestCase("serve", "{0}")]
    [TestCase("ls", "{0}:/")]
    [TestCase("cat", "{0}:/build.prop")]
    public async Task ACorruptSparseImageIsBadInputWithOneClearLine(params string[] template)
    {
        using var folder = new TempDirectory();
        string corrupt = folder.Combine("corrupt.simg");
        byte[] image = new byte[28 + 12];
        new Sparse.Decoding.SparseImageBuilder().Custom(0xBEEF, 1, []).Build().CopyTo(image, 0);
        File.WriteAllBytes(corrupt, image);
        File.WriteAllBytes(folder.Combine("data.raw"), new byte[4096]);
        string[] args = template.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, corrupt, folder.Combine("out"), folder.Combine("data.raw"))).ToArray();

        CliResult result = await CliHarness.RunAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Error);
            Assert.That(result.Error, Does.Contain("unknown chunk type 0xBEEF").And.Contain("chunk 0"));
            Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    [Test]
    public async Task SuccessfulVerbsExitZeroAndTheirJsonParses()
    {
        using var folder = new TempDirectory();
        string sample = RepositoryPaths.HelloSample;

        CliResult info = await CliHarness.RunAsync("info", sample, "--json");
        CliResult verify = await CliHarness.RunAsync("verify", sample, "--json");
        CliResult unsparse = await CliHarness.RunAsync("unsparse", sample, folder.Combine("hello.raw"));
        CliResult sparse = await CliHarness.RunAsync("sparse", folder.Combine("hello.raw"), folder.Combine("again.simg"));
        CliResult split = await CliHarness.RunAsync("split", folder.Combine("again.simg"), folder.Combine("piece"), "64K");
        CliResult check = await CliHarness.RunAsync("check", "--json");

        Assert.Multiple(() =>
        {
            foreach (CliResult success in new[] { info, verify, unsparse, sparse, split })
            {
                Assert.That(success.ExitCode, Is.Zero, success.Error);
            }
            Assert.That(check.ExitCode, Is.AnyOf(0, 1), "check exits 0 when ready and 1 when not");
            using JsonDocument infoJson = JsonDocument.Parse(info.Output);
            Assert.That(infoJson.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
            using JsonDocument verifyJson = JsonDocument.Parse(verify.Output);
            Assert.That(verifyJson.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
            using JsonDocument checkJson = JsonDocument.Parse(check.Output);
            Assert.That(checkJson.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(3));
            Assert.That(File.ReadAllBytes(folder.Combine("hello.raw")), Has.Length.EqualTo(4 * 1024 * 1024));
            Assert.That(Directory.GetFiles(folder.FullPath, "piece.*"), Is.Not.Empty);
        });
    }
}
