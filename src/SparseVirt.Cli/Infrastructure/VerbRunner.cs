using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// Runs a verb's body and turns the failures users cause into one clear line and an exit code,
/// so no stack trace ever reaches a user for bad input.
/// </summary>
internal static class VerbRunner
{
    public delegate Task<int> VerbBody(VerbContext context, CancellationToken cancellationToken);

    public static void SetAction(Command command, CliConsole console, VerbBody body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            bool verbose = parseResult.GetValue(GlobalOptions.Verbose);
            using ILoggerFactory loggerFactory = verbose ? new StandardErrorLoggerFactory(console.Error) : NullLoggerFactory.Instance;
            var context = new VerbContext(parseResult, console, loggerFactory);
            return await RunAsync(context, body, cancellationToken).ConfigureAwait(false);
        });
    }

    private static async Task<int> RunAsync(VerbContext context, VerbBody body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Console.Error.WriteLineAsync("sparsevirt: canceled").ConfigureAwait(false);
            return ExitCodes.Canceled;
        }
        catch (UsageException e)
        {
            await context.Console.Error.WriteLineAsync($"sparsevirt: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            // Users get the library's message (it names what is wrong and where, in the CLI's flags), not a stack
            // trace; --verbose adds it.
            await context.Console.Error.WriteLineAsync($"sparsevirt: {CliTerms.InFlags(e.Message)}").ConfigureAwait(false);
            if (context.ParseResult.GetValue(GlobalOptions.Verbose))
            {
                await context.Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }
            return ExitCodes.Failure;
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
