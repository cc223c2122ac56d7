using System.Text.Json;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Cli;

/// <summary>Every <c>--json</c> output has a <c>schemaVersion</c>, failures included, and says what kind of failure.</summary>
public class JsonOutputTests
{
    [TestCase("info", "verify")]
    public async Task EveryJsonDocumentHasASchemaVersion(params string[] verbs)
    {
        foreach (string verb in verbs)
        {
            CliResult result = await CliHarness.RunAsync(verb, RepositoryPaths.HelloSample, "--json");
            using JsonDocument json = JsonDocument.Parse(result.Output);
            Assert.That(json.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1), verb);
        }
    }

    [TestCase("notFound", 1, "info", "/nonexistent/image.simg", "--json")]
    [TestCase("notFound", 1, "verify", "/nonexistent/image.simg", "--json")]
    [TestCase("invalidData", 1, "info", "{0}", "--json")]
    [TestCase("usage", 2, "info", "--json")]
    [TestCase("usage", 2, "check", "--json", "--device", "")]
    public async Task AFailureWithJsonIsAJsonErrorOnStandardOutputAndALineOnStandardError(string kind, int exitCode, params string[] template)
    {
        using var folder = new TempDirectory();
        string notSparse = folder.Combine("not-sparse.bin");
        File.WriteAllBytes(notSparse, new byte[4096]);
        string[] args = template.Select(a => a.Replace("{0}", notSparse, StringComparison.Ordinal)).ToArray();

        CliResult result = await CliHarness.RunAsync(args);

        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.Error);
            Assert.That(root.EnumerateObject().First().Name, Is.EqualTo("schemaVersion"));
            Assert.That(root.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo(kind));
            Assert.That(root.GetProperty("exitCode").GetInt32(), Is.EqualTo(exitCode));
            Assert.That(result.Error, Does.StartWith("sparsevirt: ").And.Contain(root.GetProperty("error").GetString()!.Split(';')[0]));
        });
    }

    [Test]
    public async Task WithoutJsonAFailurePrintsNothingOnStandardOutput()
    {
        CliResult result = await CliHarness.RunAsync("info", "/nonexistent/image.simg");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Output, Is.Empty);
        });
    }
}
