using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Cli;

/// <summary>The standard streams a verb works with; tests pass their own.</summary>
/// <param name="Out">Where results go.</param>
/// <param name="Error">Where messages, progress and logs go.</param>
/// <param name="OpenStandardInput">Opens standard input (for <c>-</c> arguments).</param>
/// <param name="IsErrorInteractive">True when <paramref name="Error"/> is a terminal, so progress bars are wanted.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenStandardInput, bool IsErrorInteractive)
{
    /// <summary>
    /// Canceled by a second Ctrl+C (the first cancels the verb's token and asks for a clean stop): give up stopping
    /// cleanly and stop at once, e.g. kill QEMU instead of waiting for the guest to power off.
    /// </summary>
    public CancellationToken UrgentStop { get; init; }

    /// <summary>
    /// Gives the process's standard input as a descriptor the verb may read directly (not owned: closing it leaves
    /// the descriptor open), so a pipe can be spliced into a file; null where there is none to give (tests, Windows).
    /// </summary>
    public Func<SafeFileHandle>? StandardInputHandle { get; init; }

    /// <summary>Opens standard output for bytes (<c>cat</c>); null where there is none (a console of strings).</summary>
    public Func<Stream>? OpenStandardOutput { get; init; }

    /// <summary>The process's own console.</summary>
    public static CliConsole System => new(
        Console.Out,
        Console.Error,
        Console.OpenStandardInput,
        !Console.IsErrorRedirected)
    {
        StandardInputHandle = OperatingSystem.IsWindows() ? null : () => new SafeFileHandle(0, ownsHandle: false),
        OpenStandardOutput = Console.OpenStandardOutput,
    };

    /// <summary>A console writing into strings, for tests.</summary>
    public static CliConsole ForStrings(StringWriter output, StringWriter error, Func<Stream>? standardInput = null) =>
        new(output, error, standardInput ?? (() => Stream.Null), IsErrorInteractive: false);
}
