using System.CommandLine;
using SparseVirt.Cli;
using SparseVirt.Tests.Infrastructure;

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
    public async Task RootHelpIsUnder30LinesWithOneLinePerRegisteredVerbAndNoExamples()
    {
        CliResult result = await CliHarness.RunAsync("--help");
        string[] lines = result.Output.TrimEnd().Split('\n');
        RootCommand root = SparsevirtApp.BuildRootCommand(CliConsole.ForStrings(new StringWriter(), new StringWriter()));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(lines, Has.Length.LessThan(30), result.Output);
            foreach (Command verb in root.Subcommands)
            {
                Assert.That(lines.Count(line => line.StartsWith($"  {verb.Name} ", StringComparison.Ordinal)), Is.EqualTo(1), $"one line for {verb.Name}");
            }
            Assert.That(result.Output, Does.Not.Contain("Examples:"));
            Assert.That(result.Output, Does.Contain("--verbosity <level>").And.Contain("-v, --verbose"));
        });
    }

    [TestCase("A short one.", "A short one")]
    [TestCase("Describe a sparse image: header fields, every chunk, totals per chunk type, data/space ratios.", "Describe a sparse image")]
    [TestCase("Boot disks in QEMU. Android sparse images are accepted as they are.", "Boot disks in QEMU")]
    [TestCase("Check which accelerator this process can use (KVM on Linux, WHPX on Windows, HVF on macOS), and why; TCG is the fallback.", "Check which accelerator this process can use")]
    public void AVerbsRootHelpLineIsTheFirstClauseOfItsDescription(string description, string expected)
    {
        Assert.That(SparseVirt.Cli.Infrastructure.HelpLayout.Summary(description), Is.EqualTo(expected));
    }

    [TestCase("--verbosity", "debug", true)]
    [TestCase("-v", null, true)]
    [TestCase("--verbosity", "warning", false)]
    [TestCase("--verbosity", "quiet", false)]
    public async Task VerbosityChoosesWhichLogsReachStandardError(string option, string? level, bool debugLines)
    {
        string[] args = level is null ? ["info", RepositoryPaths.HelloSample, option] : ["info", RepositoryPaths.HelloSample, option, level];

        CliResult result = await CliHarness.RunAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Error);
            Assert.That(result.Error.Contains(" dbug ", StringComparison.Ordinal), Is.EqualTo(debugLines), result.Error);
        });
    }

    [Test]
    public async Task AnUnknownVerbosityIsAUsageError()
    {
        CliResult result = await CliHarness.RunAsync("info", RepositoryPaths.HelloSample, "--verbosity", "loud");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("loud"));
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
