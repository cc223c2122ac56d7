using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt append OUT IN.raw</c>: the <c>append2simg</c> form.</summary>
internal static class AppendCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Argument<string>("OUT") { Description = "The sparse (or raw) image to extend; replaced by the result." };
        var input = new Argument<string>("IN.raw") { Description = "The raw data to append: a multiple of the image's block size." };
        var zeroFill = new Option<bool>("--zero-fill") { Description = "Write appended blocks of zeros as FILL 0 chunks instead of DONT_CARE." };
        var crc = new Option<bool>("--crc") { Description = "Record a CRC32 chunk at the end and the header's image checksum." };
        var command = new Command("append", "Append raw data to a sparse image, or to a raw image that becomes sparse (like append2simg).")
        {
            output, input, zeroFill, crc,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            var options = WriterOptionsArguments.Build(null, context.GetValue(zeroFill), context.GetValue(crc))
                .WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Appending"));
            await SparseAppender.AppendAsync(context.GetValue(output), context.GetValue(input), options, null, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
