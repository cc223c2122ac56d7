using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// The tool's <c>--help</c>. The root's is a short index generated from the registered verbs, one line each (the
/// first clause of the verb's description), so a verb added to the catalog is listed without more work; a verb's own
/// help is System.CommandLine's, followed by that verb's examples. (System.CommandLine 2.0 keeps its help layout
/// internal, so this action wraps its <see cref="HelpAction"/> instead of customizing it.)
/// </summary>
internal sealed class HelpLayout(HelpAction standard, Func<Command, IReadOnlyList<string>?> examplesOf) : SynchronousCommandLineAction
{
    /// <summary>The longest verb summary in the root help; longer descriptions are cut at a clause, then a word.</summary>
    internal const int SummaryLength = 76;

    public static void Install(RootCommand root, Func<Command, IReadOnlyList<string>?> examplesOf)
    {
        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpLayout((HelpAction)help.Action!, examplesOf);
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        TextWriter output = parseResult.InvocationConfiguration.Output;
        Command command = parseResult.CommandResult.Command;
        if (command is RootCommand root)
        {
            output.Write(RootHelp(root));
            return ExitCodes.Success;
        }
        int exitCode = standard.Invoke(parseResult);
        if (examplesOf(command) is { Count: > 0 } examples)
        {
            var text = new StringBuilder("Examples:").AppendLine();
            foreach (string example in examples)
            {
                text.Append("  ").AppendLine(example);
            }
            output.Write(text.AppendLine().ToString());
        }
        return exitCode;
    }

    /// <summary>Description, usage, one line per verb, the global options.</summary>
    internal static string RootHelp(RootCommand root)
    {
        var text = new StringBuilder();
        text.AppendLine(root.Description).AppendLine();
        text.AppendLine($"Usage: {root.Name} VERB [arguments] [options]; '{root.Name} VERB --help' shows a verb's options and examples.").AppendLine();
        text.AppendLine("Verbs:");
        List<Command> verbs = root.Subcommands.Where(verb => !verb.Hidden).ToList();
        int width = verbs.Max(verb => verb.Name.Length);
        foreach (Command verb in verbs)
        {
            text.AppendLine($"  {verb.Name.PadRight(width)}  {Summary(verb.Description)}");
        }
        text.AppendLine().AppendLine("Options:");
        List<(string Label, string? Description)> options = root.Options.Where(option => !option.Hidden).Select(option => (Label(option), option.Description)).ToList();
        width = options.Max(option => option.Label.Length);
        foreach ((string label, string? description) in options)
        {
            text.AppendLine($"  {label.PadRight(width)}  {description}");
        }
        return text.ToString();
    }

    /// <summary>
    /// A one-line summary of a description: its first sentence, cut at its first clause (": ", "; ", " (", ", ")
    /// while longer than <see cref="SummaryLength"/>, and at a word as a last resort.
    /// </summary>
    internal static string Summary(string? description)
    {
        string text = (description ?? "").ReplaceLineEndings(" ").Trim();
        int sentenceEnd = text.IndexOf(". ", StringComparison.Ordinal);
        text = (sentenceEnd < 0 ? text : text[..sentenceEnd]).TrimEnd('.');
        foreach (string clause in new[] { ": ", "; ", " (", ", " })
        {
            int cut = text.IndexOf(clause, StringComparison.Ordinal);
            if (text.Length > SummaryLength && cut > 0)
            {
                text = text[..cut];
            }
        }
        if (text.Length > SummaryLength)
        {
            int space = text.LastIndexOf(' ', SummaryLength - 1);
            text = string.Concat(text.AsSpan(0, space > 0 ? space : SummaryLength - 1), "…");
        }
        return text;
    }

    private static string Label(Option option)
    {
        // The Windows-style spellings (/h, /?) work but are not advertised, as in the verbs' own help.
        IEnumerable<string> names = option.Aliases.Prepend(option.Name).Distinct().Where(name => !name.StartsWith('/'))
            .OrderBy(name => name.StartsWith("--", StringComparison.Ordinal)).ThenBy(name => name.Length);
        string label = string.Join(", ", names);
        bool takesValue = option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;
        return takesValue ? $"{label} <{option.HelpName ?? "value"}>" : label;
    }
}
