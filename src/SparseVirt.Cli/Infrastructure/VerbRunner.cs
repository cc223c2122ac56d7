using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// Runs a verb's body and turns the failures users cause into one clear line and an exit code,
/// so no stack trace ever reaches a user for bad input. With <c>--json</c>, a failure is also a JSON document on
/// standard output (<see cref="JsonError"/>).
/// </summary>
internal static class VerbRunner
{
    public delegate Task<int> VerbBody(VerbContext context, CancellationToken cancellationToken);

    public static void SetAction(Command command, CliConsole console, VerbBody body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using ILoggerFactory loggerFactory = GlobalOptions.MinimumLogLevel(parseResult) is LogLevel minimum
                ? new StandardErrorLoggerFactory(console.Error, minimum)
                : NullLoggerFactory.Instance;
            var context = new VerbContext(parseResult, console, loggerFactory);
            return await RunAsync(context, body, cancellationToken).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Reports a failure: <c>sparsevirt: MESSAGE</c> on standard error, the JSON error on standard output when the
    /// verb was given <c>--json</c>, the stack trace at debug verbosity; returns <paramref name="exitCode"/>.
    /// </summary>
    public static async Task<int> FailAsync(VerbContext context, Exception exception, string message, int exitCode, string? kind = null)
    {
        await context.Console.Error.WriteLineAsync($"sparsevirt: {message}").ConfigureAwait(false);
        if (JsonError.IsWanted(context.ParseResult))
        {
            JsonError error = JsonError.From(exception, message, exitCode);
            await context.Console.Out.WriteLineAsync((kind is null ? error : error with { Kind = kind }).ToJson()).ConfigureAwait(false);
        }
        if (GlobalOptions.IsVerbose(context.ParseResult) && exception is not UsageException)
        {
            await context.Console.Error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
        }
        return exitCode;
    }

    private static async Task<int> RunAsync(VerbContext context, VerbBody body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(context, e, "canceled", ExitCodes.Canceled).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            return await FailAsync(context, e, e.Message, ExitCodes.Usage, JsonError.UsageKind).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Users get the library's message (it names what is wrong and where, in the CLI's flags), not a stack
            // trace; --verbose adds it.
            return await FailAsync(context, e, CliTerms.InFlags(e.Message), ExitCodes.Failure).ConfigureAwait(false);
        }
    }
}

/// <summary>What a verb's body gets: its parsed arguments, the console and the loggers.</summary>
internal sealed record VerbContext(ParseResult ParseResult, CliConsole Console, ILoggerFactory LoggerFactory)
{
    public T GetValue<T>(Argument<T> argument) => ParseResult.GetValue(argument)!;

    public T GetValue<T>(Option<T> option) => ParseResult.GetValue(option)!;
}

/// <summary>Thrown by a verb when its arguments are inconsistent in a way the parser cannot see (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
