namespace SparseVirt.Tests.Cli;

public class UsageTests
{
    [Test]
    public async Task UnknownVerbIsAUsageError()
    {
        CliResult result = await CliHarness.RunAsync("no-such-verb");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("no-such-verb"));
        });
    }

    [Test]
    public async Task HelpListsTheToolAndSucceeds()
    {
        CliResult result = await CliHarness.RunAsync("--help");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0));
            Assert.That(result.Output, Does.Contain("sparsevirt"));
        });
    }

    [Test]
    public async Task HelpListsTheFileSystemVerbs()
    {
        CliResult result = await CliHarness.RunAsync("--help");

        Assert.That(result.Output, Does.Contain("ls").And.Contain("cat").And.Contain("stat").And.Contain("extract"));
        foreach (string verb in new[] { "ls", "cat", "stat", "extract" })
        {
            CliResult help = await CliHarness.RunAsync(verb, "--help");
            Assert.That(help.Output, Does.Contain("SOURCE[:PARTITION]:/PATH").And.Contain("NAME.0"), verb);
        }
    }
}
