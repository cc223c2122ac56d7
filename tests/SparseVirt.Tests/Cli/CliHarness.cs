using SparseVirt.Cli;

namespace SparseVirt.Tests.Cli;

/// <summary>Runs the <c>sparsevirt</c> command tree in-process and captures what it prints.</summary>
internal static class CliHarness
{
    public static async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args).ConfigureAwait(false);

    public static async Task<CliResult> RunWithInputAsync(Func<Stream>? standardInput, params string[] args) =>
        await RunCoreAsync(standardInput, args, CancellationToken.None).ConfigureAwait(false);

    /// <summary>Runs the tool with a token that stands for Ctrl+C.</summary>
    public static async Task<CliResult> RunUntilCanceledAsync(CancellationToken interrupt, params string[] args) =>
        await RunCoreAsync(null, args, interrupt).ConfigureAwait(false);

    private static async Task<CliResult> RunCoreAsync(Func<Stream>? standardInput, string[] args, CancellationToken interrupt)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await SparsevirtApp.RunAsync(args, CliConsole.ForStrings(output, error, standardInput), interrupt).ConfigureAwait(false);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>What one in-process run of the tool gave.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error);
