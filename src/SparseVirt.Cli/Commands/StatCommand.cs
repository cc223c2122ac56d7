using System.CommandLine;
using System.Globalization;
using SparseVirt.BlockSources;
using SparseVirt.Cli.FileSystems;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt stat SOURCE[:PARTITION]:/PATH [--json]</c>: one entry's inode, with its extended attributes and data ranges.</summary>
internal static class StatCommand
{
    public static Command Create(CliConsole console)
    {
        Argument<string> target = FileSystemVerb.Argument();
        Option<bool> json = FileSystemVerb.JsonOption();
        var command = new Command(
            "stat",
            "Describe one entry inside an ext4 or EROFS image as lstat does (a link itself): kind, inode, size, mode, owner, links, mtime, link target, extended attributes, and for a file how many bytes hold data.")
        {
            target, json,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            (FileSystemArgument argument, FileSystemImage image) = await FileSystemVerb.OpenAsync(context, context.GetValue(target), cancellationToken).ConfigureAwait(false);
            using (argument)
            {
                FileSystemEntry entry = await image.GetEntryAsync(argument.Path, cancellationToken).ConfigureAwait(false);
                IReadOnlyDictionary<string, byte[]> attributes = await image.GetExtendedAttributesAsync(argument.Path, cancellationToken).ConfigureAwait(false);
                long? dataBytes = entry.Kind == FileSystemEntryKind.File
                    ? (await image.GetFileExtentsAsync(entry.Path, cancellationToken).ConfigureAwait(false)).Where(e => e.Kind == BlockExtentKind.Data).Sum(e => e.Length)
                    : null;
                if (context.GetValue(json))
                {
                    await FileSystemVerb.WriteJsonAsync(console, writer =>
                    {
                        writer.WriteString("fileSystem", image.Kind == FileSystemKind.Ext4 ? "ext4" : "erofs");
                        EntryFormat.WriteMembers(writer, entry);
                        if (dataBytes is { } bytes)
                        {
                            writer.WriteNumber("dataBytes", bytes);
                        }
                        writer.WriteStartObject("xattrs");
                        foreach ((string name, byte[] value) in attributes)
                        {
                            writer.WriteBase64String(name, value);
                        }
                        writer.WriteEndObject();
                    }).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                await console.Out.WriteAsync(Describe(entry, attributes, dataBytes)).ConfigureAwait(false);
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static string Describe(FileSystemEntry entry, IReadOnlyDictionary<string, byte[]> attributes, long? dataBytes)
    {
        var text = new System.Text.StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Append(c, $"  Path: {entry.Path}\n");
        text.Append(c, $"  Kind: {EntryFormat.KindName(entry.Kind)}\n");
        text.Append(c, $" Inode: {entry.Inode}\n");
        text.Append(c, $"  Size: {entry.Length}{(dataBytes is { } b ? $" ({b} bytes of data, the rest holes)" : string.Empty)}\n");
        text.Append(c, $"  Mode: {Convert.ToString((int)entry.Mode, 8).PadLeft(4, '0')} ({EntryFormat.ModeString(entry.Kind, entry.Mode)})\n");
        text.Append(c, $"   Uid: {entry.UserId}\n   Gid: {entry.GroupId}\n Links: {entry.LinkCount}\n");
        text.Append(c, $"Modify: {entry.ModifiedTime.UtcDateTime:yyyy-MM-dd HH:mm:ss.fffffff} UTC\n");
        if (entry.LinkTarget is not null)
        {
            text.Append(c, $"Target: {entry.LinkTarget}\n");
        }
        if (entry.Kind is FileSystemEntryKind.CharacterDevice or FileSystemEntryKind.BlockDevice)
        {
            text.Append(c, $"Device: {EntryFormat.Major(entry.DeviceNumber)}, {EntryFormat.Minor(entry.DeviceNumber)}\n");
        }
        foreach ((string name, byte[] value) in attributes)
        {
            text.Append(c, $" Xattr: {name} ({value.Length} bytes)\n");
        }
        return text.ToString();
    }
}
