using System.CommandLine;
using SparseVirt.Cli.FileSystems;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt ls SOURCE[:PARTITION]:/PATH [-R] [--json]</c>: a directory's entries, <c>ls -l</c> style.</summary>
internal static class LsCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> target = FileSystemVerb.Argument();
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Walk the whole tree below PATH (links are listed, never followed)." };
        Option<bool> json = FileSystemVerb.JsonOption();
        var command = new Command(
            "ls",
            "List a directory inside an ext4 or EROFS image (mode, links, owner, group, size, mtime, name, link target), read straight from a raw, sparse, super or GPT image: nothing is expanded.")
        {
            target, recursive, json,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            (FileSystemArgument argument, FileSystemImage image) = await FileSystemVerb.OpenAsync(context, context.GetValue(target), cancellationToken).ConfigureAwait(false);
            using (argument)
            {
                IReadOnlyList<FileSystemEntry> entries = await ListAsync(image, argument.Path, context.GetValue(recursive), cancellationToken).ConfigureAwait(false);
                if (context.GetValue(json))
                {
                    await FileSystemVerb.WriteJsonAsync(console, writer =>
                    {
                        writer.WriteString("path", argument.Path);
                        writer.WriteStartArray("entries");
                        foreach (FileSystemEntry entry in entries)
                        {
                            writer.WriteStartObject();
                            EntryFormat.WriteMembers(writer, entry);
                            writer.WriteEndObject();
                        }
                        writer.WriteEndArray();
                    }).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                foreach (FileSystemEntry entry in entries)
                {
                    await console.Out.WriteLineAsync(EntryFormat.LongLine(entry, context.GetValue(recursive) ? entry.Path : entry.Name)).ConfigureAwait(false);
                }
                return ExitCodes.Success;
            }
        });
        return command;
    }

    // Like ls: a directory (a link to one followed) lists its entries, anything else lists itself.
    private static async Task<IReadOnlyList<FileSystemEntry>> ListAsync(FileSystemImage image, string path, bool recursive, CancellationToken cancellationToken)
    {
        if (recursive)
        {
            var all = new List<FileSystemEntry>();
            await foreach (FileSystemEntry entry in image.WalkAsync(path, cancellationToken).ConfigureAwait(false))
            {
                all.Add(entry);
            }
            return all;
        }
        FileSystemEntry self = await image.GetEntryAsync(path, cancellationToken).ConfigureAwait(false);
        if (self.Kind == FileSystemEntryKind.Directory || self.Kind == FileSystemEntryKind.SymbolicLink && await IsDirectoryAsync(image, path, cancellationToken).ConfigureAwait(false))
        {
            return await image.ListDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
        }
        return [self];
    }

    private static async Task<bool> IsDirectoryAsync(FileSystemImage image, string path, CancellationToken cancellationToken)
    {
        try
        {
            await image.ListDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
