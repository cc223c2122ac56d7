using System.CommandLine;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt unsparse IN.simg [IN2.simg ...] OUT.raw</c>: expands sparse images into a raw image, as AOSP
/// <c>simg2img</c> does (several inputs overlay in order); <c>-</c> reads the image from standard input.
/// </summary>
internal static class UnsparseCommand
{
    private const string StandardInputName = "-";

    public static Command Create(CliConsole console)
    {
        var paths = new Argument<string[]>("IN.simg... OUT.raw")
        {
            Description = "The sparse image(s) to expand ('-' reads one from standard input), then the raw image to write.",
            Arity = new ArgumentArity(2, ArgumentArity.ZeroOrMore.MaximumNumberOfValues),
        };
        paths.Validators.Add(result =>
        {
            // Path arguments take any token, so an unknown option would otherwise be taken for a file name.
            foreach (string value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (value.StartsWith('-') && value != StandardInputName)
                {
                    result.AddError($"Unrecognized option '{value}' (a file whose name starts with '-' can be given as ./{value}).");
                }
            }
        });
        var verify = new Option<bool>("--verify")
        {
            Description = "Check the CRC32 chunks and image checksum while expanding.",
        };
        var fsync = new Option<bool>("--fsync")
        {
            Description = "Make the output durable before exiting: fsync it before it is named and its folder after (off by default, as for simg2img and cp; the output is always renamed into place complete).",
        };
        var command = new Command(
            "unsparse",
            "Expand Android sparse images into a raw image (like simg2img). Several inputs overlay in order, so split pieces reassemble. " +
            "A new or existing file is written under a temporary name and renamed on success, with unset ranges left as holes; a block device is written in place.")
        {
            paths,
            verify,
            fsync,
        };

        VerbRunner.SetAction(command, console, (context, cancellationToken) => Task.FromResult(Run(context, context.GetValue(paths), context.GetValue(verify), context.GetValue(fsync), cancellationToken)));
        return command;
    }

    private static int Run(VerbContext context, string[] arguments, bool verify, bool fsync, CancellationToken cancellationToken)
    {
        string[] inputs = arguments[..^1];
        string output = arguments[^1];
        if (output == StandardInputName)
        {
            throw new UsageException("unsparse writes a file or device; '-' (standard output) is not supported as OUT.raw.");
        }
        if (inputs.Length > 1 && inputs.Contains(StandardInputName))
        {
            throw new UsageException("'-' (standard input) can only be the single input of unsparse.");
        }

        var options = SparseExpandOptions.Default
            .WithVerifyChecksums(verify)
            .WithDurable(fsync)
            .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Decoding"));

        using ExpandProgress? progress = ExpandProgress.ForTerminal(context.Console, "Expanding");
        // The synchronous form: an expansion is system calls back to back, and this process has nothing else to do
        // meanwhile, so it stays on this thread instead of hopping to the thread pool per chunk (a non-seekable
        // standard input is read inline too).
        if (inputs is not [StandardInputName])
        {
            SparseImage.ToRaw(inputs, output, options, progress, cancellationToken);
        }
        else if (context.Console.StandardInputHandle is { } openHandle)
        {
            // The descriptor itself: a pipe's RAW payloads are spliced into the output inside the kernel.
            using SafeFileHandle input = openHandle();
            ExpandStandardInput(input, output, options, progress, cancellationToken);
        }
        else
        {
            using Stream input = context.Console.OpenStandardInput();
            ExpandStandardInput(input, output, options, progress, cancellationToken);
        }
        return ExitCodes.Success;
    }

    private static void ExpandStandardInput(SparseSource input, string output, SparseExpandOptions options, IProgress<SparseExpandProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            SparseImage.ToRaw(input, output, options, progress, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"standard input: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new EndOfStreamException($"standard input: {e.Message}", e);
        }
    }
}
