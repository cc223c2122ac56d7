using System.CommandLine;

namespace SparseVirt.Cli.Commands;

/// <summary>The verbs of the tool, in the order <c>--help</c> lists them. Each verb lives in its own file.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        yield return UnsparseCommand.Create(console);
        yield return SparseCommand.Create(console);
        yield return SplitCommand.Create(console);
        yield return AppendCommand.Create(console);
        yield return InfoCommand.Create(console);
        yield return VerifyCommand.Create(console);
        yield return CheckCommand.Create(console);
        yield return RunCommand.Create(console);
    }
}
