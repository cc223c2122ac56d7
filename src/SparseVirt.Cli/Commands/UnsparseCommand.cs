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

        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            string[] arguments = context.GetValue(paths);
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
                .WithVerifyChecksums(context.GetValue(verify))
                .WithDurable(context.GetValue(fsync))
                .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Decoding"));

            using ExpandProgress? progress = ExpandProgress.ForTerminal(context.Console, "Expanding");
            if (inputs is [StandardInputName])
            {
                try
                {
                    if (context.Console.StandardInputHandle is { } openHandle)
                    {
                        // The descriptor itself: a pipe's RAW payloads are spliced into the output inside the kernel.
                        using SafeFileHandle input = openHandle();
                        SparseImage.ToRaw(input, output, options, progress, cancellationToken);
                    }
                    else
                    {
                        await using Stream input = new InlineReadStream(context.Console.OpenStandardInput());
                        await SparseImage.ToRawAsync(input, output, options, progress, cancellationToken).ConfigureAwait(false);
                    }
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
            else
            {
                // The synchronous form: a whole-file expansion is system calls back to back, and this process has nothing
                // else to do meanwhile, so it stays on this thread instead of hopping to the thread pool per chunk.
                SparseImage.ToRaw(inputs, output, options, progress, cancellationToken);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Standard input with reads done on the calling thread: the console stream has no asynchronous reads of its
    /// own, so each asynchronous read would hop to the thread pool, and a decoder reading a pipe makes thousands.
    /// Blocking this process's thread on its own input costs nothing.
    /// </summary>
    private sealed class InlineReadStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(inner.Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
