using System.CommandLine;
using System.CommandLine.Help;
using SparseVirt.Cli.Commands;
using SparseVirt.Cli.Infrastructure;

namespace SparseVirt.Cli;

/// <summary>The <c>sparsevirt</c> command tree, runnable in-process so tests can drive it.</summary>
public static class SparsevirtApp
{
    /// <summary>Parses <paramref name="args"/>, runs the chosen verb and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);

        RootCommand root = BuildRootCommand(console);
        ParseResult parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 && parseResult.Action is not (HelpAction or HelpLayout))
        {
            foreach (var error in parseResult.Errors)
            {
                await console.Error.WriteLineAsync($"sparsevirt: {error.Message}").ConfigureAwait(false);
            }
            await console.Error.WriteLineAsync("Run 'sparsevirt --help' (or 'sparsevirt VERB --help') for usage.").ConfigureAwait(false);
            if (args.Contains("--json"))
            {
                // Asked for JSON: a script parsing standard output gets a document even for a command line refused.
                string message = string.Join("; ", parseResult.Errors.Select(error => error.Message));
                await console.Out.WriteLineAsync(new JsonError(message, JsonError.UsageKind, ExitCodes.Usage).ToJson()).ConfigureAwait(false);
            }
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // The caller's token carries Ctrl+C (see Program). System.CommandLine's own handler would instead return 130
            // two seconds after the signal, ending the process while 'run' is still powering the guest off and leaving
            // QEMU running without its owner.
            ProcessTerminationTimeout = null,
        };
        return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the root command with every verb registered.</summary>
    public static RootCommand BuildRootCommand(CliConsole console)
    {
        var root = new RootCommand(
            "sparsevirt: Android sparse images, KVM readiness checks and QEMU launching.\n" +
            "Exit codes: 0 success, 1 failure or bad input, 2 usage error, 130 interrupted.");
        root.Options.Add(GlobalOptions.Verbose);
        root.Options.Add(GlobalOptions.Verbosity);
        foreach (Command verb in CommandCatalog.Create(console))
        {
            root.Subcommands.Add(verb);
        }
        HelpLayout.Install(root, CommandCatalog.ExamplesOf);
        return root;
    }
}
