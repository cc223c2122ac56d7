using System.CommandLine;
using SparseVirt.BlockSources;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Layouts.Super;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt super unpack SUPER... OUTDIR [--partition NAME]... [--slot N] [--sparse]</c>: what AOSP's
/// <c>lpunpack</c> does, read straight from a sparse super image or its pieces.
/// </summary>
internal static class SuperUnpackCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string[]> paths = SuperCommand.SuperPaths(2, "SUPER... OUTDIR");
        Option<uint> slot = SuperCommand.SlotOption();
        var partitions = new Option<string[]>("--partition", "-p")
        {
            Description = "Extract this partition (repeatable; default: every partition of the slot).",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var sparse = new Option<bool>("--sparse") { Description = "Write each partition as a sparse image instead of a raw one." };
        var command = new Command(
            "unpack",
            "Extract partitions of a super image into OUTDIR/NAME.img (like lpunpack), straight from raw or sparse input: nothing is expanded first, zero blocks stay holes.")
        {
            paths, slot, partitions, sparse,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            string[] arguments = context.GetValue(paths);
            string[] inputs = arguments[..^1];
            string outputDirectory = arguments[^1];
            string[] names = context.GetValue(partitions) ?? [];
            var logger = context.LoggerFactory.CreateLogger("SparseVirt.Layouts.Super");
            using var images = new ImageInputs();
            SuperImage image = images.OpenSuper(inputs, context.GetValue(slot), SuperImageOptions.Default.WithLogger(logger));
            if (image.IsEmptyImage)
            {
                throw new InvalidDataException($"{string.Join(", ", inputs)}: a super_empty image holds metadata only; there is nothing to unpack.");
            }
            if (!context.GetValue(sparse))
            {
                using IProgressBar progress = TerminalProgressBar.Create(console, "unpack", TotalBytes(image, names));
                await SuperExtractor.ExtractAsync(image, outputDirectory, names, progress, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            foreach (string name in names)
            {
                image.GetPartition(name);
            }
            Directory.CreateDirectory(outputDirectory);
            foreach (LpPartition partition in image.Metadata.Partitions.Where(p => names.Length == 0 || names.Contains(p.Name)))
            {
                IBlockSource source = image.OpenPartition(partition);
                string path = Path.Combine(outputDirectory, partition.Name + ".img");
                await SparseOutput.WriteAsync(source, path, sparse: true, (int)image.Metadata.Geometry.LogicalBlockSize, null, logger, cancellationToken).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static long TotalBytes(SuperImage image, string[] names) =>
        image.Metadata.Partitions.Where(p => names.Length == 0 || names.Contains(p.Name)).Sum(p => (long)image.Metadata.SizeOf(p));
}
