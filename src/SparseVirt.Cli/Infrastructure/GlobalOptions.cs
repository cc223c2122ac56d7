using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>Options every verb understands.</summary>
internal static class GlobalOptions
{
    /// <summary>The <c>--verbosity</c> levels, quietest first, with the least severe log level each one shows.</summary>
    private static readonly (string Name, LogLevel? Minimum)[] s_levels =
    [
        ("quiet", null),
        ("error", LogLevel.Error),
        ("warning", LogLevel.Warning),
        ("info", LogLevel.Information),
        ("debug", LogLevel.Debug),
        ("trace", LogLevel.Trace),
    ];

    /// <summary><c>--verbose</c>: the library's logs go to standard error; the same as <c>--verbosity debug</c>.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Write the library's diagnostic logs to standard error (the same as --verbosity debug).",
        Recursive = true,
    };

    /// <summary><c>--verbosity LEVEL</c>: which of the library's logs go to standard error.</summary>
    public static readonly Option<string?> Verbosity = CreateVerbosity();

    /// <summary>
    /// The least severe log level to write, or null for none: <c>--verbosity</c> when given, else debug with
    /// <c>--verbose</c>, else none (a quiet tool, so scripts see results and errors only).
    /// </summary>
    public static LogLevel? MinimumLogLevel(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        if (parseResult.GetValue(Verbosity) is string name)
        {
            return Array.Find(s_levels, level => level.Name == name).Minimum;
        }
        return parseResult.GetValue(Verbose) ? LogLevel.Debug : null;
    }

    /// <summary>True at debug level or more: failures add their stack trace, verbs their extra detail.</summary>
    public static bool IsVerbose(ParseResult parseResult) => MinimumLogLevel(parseResult) is LogLevel level && level <= LogLevel.Debug;

    private static Option<string?> CreateVerbosity()
    {
        var option = new Option<string?>("--verbosity")
        {
            Description = "Which of the library's logs go to standard error: quiet (default), error, warning, info, debug (as -v), trace.",
            HelpName = "level",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong(s_levels.Select(level => level.Name).ToArray());
        return option;
    }
}
