using System.CommandLine;
using System.Globalization;
using SparseVirt.Cli.FileSystems;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt extract SOURCE[:PARTITION]:/PATH DEST</c>: a file or a whole tree out of an image.</summary>
internal static class ExtractCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> target = FileSystemVerb.Argument();
        var destination = new Argument<string>("DEST")
        {
            Description = "Where to write: for a directory, a new name (the tree is written beside it under a temporary name and renamed when complete); for a file or link, a file name (replaced only once the copy is complete) or an existing directory to write it into.",
        };
        var command = new Command(
            "extract",
            "Extract a file or a directory tree from an ext4 or EROFS image, keeping modes, mtimes, links and holes (owners too when run as root, as tar does; device nodes, FIFOs and sockets are skipped with a note). Nothing is expanded first.")
        {
            target, destination,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            (FileSystemArgument argument, FileSystemImage image) = await FileSystemVerb.OpenAsync(context, context.GetValue(target), cancellationToken).ConfigureAwait(false);
            using (argument)
            {
                var extractor = new TreeExtractor(image, console.Error);
                await extractor.ExtractAsync(argument.Path, context.GetValue(destination), cancellationToken).ConfigureAwait(false);
                if (extractor.Counts.Skipped > 0)
                {
                    await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sparsevirt: extracted {extractor.Counts.Written} entries, skipped {extractor.Counts.Skipped}")).ConfigureAwait(false);
                }
                return ExitCodes.Success;
            }
        });
        return command;
    }
}
