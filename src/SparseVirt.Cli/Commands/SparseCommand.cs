using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt sparse IN.raw OUT.simg [BLOCK_SIZE]</c>: the <c>img2simg</c> form, faster, with holes skipped.</summary>
internal static class SparseCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("IN.raw") { Description = "The raw image to sparse ('-' reads standard input)." };
        var output = new Argument<string>("OUT.simg") { Description = "The sparse image to write (replaced if it exists; written under a temporary name first)." };
        var positionalBlockSize = new Argument<int?>("BLOCK_SIZE")
        {
            Description = "The block size, as img2simg's third argument (same as --block-size).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var blockSize = new Option<int?>("--block-size", "-b")
        {
            Description = "Bytes per block: a multiple of 4, at least 1024 (default 4096).",
        };
        var zeroFill = new Option<bool>("--zero-fill")
        {
            Description = "Write blocks of zeros as FILL 0 chunks, as img2simg does, instead of DONT_CARE (every block then gets written when flashing).",
        };
        var crc = new Option<bool>("--crc")
        {
            Description = "Record a CRC32 chunk at the end and the header's image checksum.",
        };

        var fsync = new Option<bool>("--fsync")
        {
            Description = "Make the output durable before exiting: fsync it before it is named and its folder after (off by default, as for img2simg and cp).",
        };

        var command = new Command("sparse", "Make an Android sparse image from a raw image (like img2simg): equal-word blocks become FILL, zero blocks and holes DONT_CARE.")
        {
            input, output, positionalBlockSize, blockSize, zeroFill, crc, fsync,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            int? positional = context.GetValue(positionalBlockSize);
            int? named = context.GetValue(blockSize);
            if (positional is not null && named is not null && positional != named)
            {
                throw new UsageException($"the block size is given twice, as {positional} and as --block-size {named}");
            }
            SparseWriterOptions options = WriterOptionsArguments.Build(named ?? positional, context.GetValue(zeroFill), context.GetValue(crc))
                .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Writing"))
                .WithDurable(context.GetValue(fsync));

            await ConvertAsync(console, context.GetValue(input), context.GetValue(output), options, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Sparses a file, or standard input ('-'), into a file or standard output ('-').</summary>
    private static async Task ConvertAsync(CliConsole console, string inputPath, string outputPath, SparseWriterOptions options, CancellationToken cancellationToken)
    {
        if (outputPath == "-")
        {
            await using Stream standardOutput = Console.OpenStandardOutput();
            await using Stream source = inputPath == "-" ? console.OpenStandardInput() : File.OpenRead(inputPath);
            await SparseConverter.ConvertAsync(source, standardOutput, options, null, cancellationToken).ConfigureAwait(false);
        }
        else if (inputPath == "-")
        {
            await using Stream source = console.OpenStandardInput();
            await SparseConverter.ConvertAsync(source, outputPath, options, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            using IProgressBar progress = TerminalProgressBar.Create(console, "sparse", new FileInfo(inputPath).Length);
            await SparseConverter.ConvertAsync(inputPath, outputPath, options, progress, cancellationToken).ConfigureAwait(false);
        }
    }
}
