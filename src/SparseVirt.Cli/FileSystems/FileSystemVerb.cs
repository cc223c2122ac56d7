using System.CommandLine;
using System.Text;
using System.Text.Json;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.FileSystems;

namespace SparseVirt.Cli.FileSystems;

/// <summary>What <c>ls</c>, <c>cat</c>, <c>stat</c> and <c>extract</c> share: their first argument, opening it, JSON output.</summary>
internal static class FileSystemVerb
{
    /// <summary>The help text every one of these verbs carries about its first argument.</summary>
    public const string ArgumentHelp =
        "SOURCE[:PARTITION]:/PATH. SOURCE is a raw or sparse image, or NAME.0 for the sparse pieces NAME.0, NAME.1 ... that sparsevirt split and simg2simg write; " +
        "PARTITION is a logical partition of a super image (slot 0) or a GPT partition's label. The path inside starts with '/' after a ':'; " +
        "a host name that itself holds ':' is taken whole when that file exists.";

    public static Argument<string> Argument() => new("SOURCE[:PARTITION]:/PATH") { Description = ArgumentHelp };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON (with a schemaVersion member) instead of text." };

    /// <summary>Opens the argument's file system; the caller disposes the returned argument.</summary>
    public static async Task<(FileSystemArgument Argument, FileSystemImage Image)> OpenAsync(VerbContext context, string text, CancellationToken cancellationToken)
    {
        FileSystemArgument argument = FileSystemArgument.Parse(text);
        try
        {
            FileSystemImage image = await argument.OpenAsync(context.LoggerFactory.CreateLogger("SparseVirt.FileSystems"), cancellationToken).ConfigureAwait(false);
            return (argument, image);
        }
        catch
        {
            argument.Dispose();
            throw;
        }
    }

    /// <summary>Writes one indented JSON object whose members <paramref name="members"/> writes after <c>schemaVersion</c>.</summary>
    public static async Task WriteJsonAsync(CliConsole console, Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", EntryFormat.SchemaVersion);
            members(json);
            json.WriteEndObject();
        }
        await console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }
}
