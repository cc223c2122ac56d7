using System.CommandLine;
using SparseVirt.Cli.FileSystems;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt cat SOURCE[:PARTITION]:/PATH</c>: a file's bytes to standard output.</summary>
internal static class CatCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> target = FileSystemVerb.Argument();
        var command = new Command(
            "cat",
            "Write a file inside an ext4 or EROFS image to standard output (a link is followed), reading only that file's blocks from a raw, sparse, super or GPT image.")
        {
            target,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            (FileSystemArgument argument, FileSystemImage image) = await FileSystemVerb.OpenAsync(context, context.GetValue(target), cancellationToken).ConfigureAwait(false);
            using (argument)
            {
                await using Stream file = await image.OpenFileAsync(argument.Path, cancellationToken).ConfigureAwait(false);
                Func<Stream> open = console.OpenStandardOutput ?? throw new InvalidOperationException("This console has no standard output for bytes.");
                await using Stream output = open();
                await file.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
        });
        return command;
    }
}
