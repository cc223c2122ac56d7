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
}
