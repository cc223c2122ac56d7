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
        var reportReads = new Option<bool>("--report-reads")
        {
            Description = "Afterwards, print to standard error how many bytes this process read through read and pread (Linux: rchar of /proc/self/io), to show how little of an image a file costs.",
        };
        var command = new Command(
            "cat",
            "Write a file inside an ext4 or EROFS image to standard output (a link is followed), reading only that file's blocks from a raw, sparse, super or GPT image.")
        {
            target, reportReads,
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
            }
            if (context.GetValue(reportReads) && File.Exists("/proc/self/io"))
            {
                string? rchar = (await File.ReadAllLinesAsync("/proc/self/io", cancellationToken).ConfigureAwait(false)).FirstOrDefault(l => l.StartsWith("rchar:", StringComparison.Ordinal));
                await console.Error.WriteLineAsync($"sparsevirt: read {rchar?["rchar:".Length..].Trim()} bytes (rchar of /proc/self/io)").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
