using System.CommandLine;
using System.Globalization;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt info IN [--json]</c>: the header, chunk table, totals and data ratio of a sparse image.</summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("IN") { Description = "The sparse image to describe; - reads standard input (a pipe is copied to an unnamed temporary file first)." };
        var json = new Option<bool>("--json") { Description = "Print the description as JSON (schema: docs/sparse-creating.md)." };
        var command = new Command("info", "Describe a sparse image: header fields, every chunk, totals per chunk type, data/space ratios.")
        {
            input, json,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            var options = SparseExpandOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Inspection"));
            string path = context.GetValue(input);
            await using SparseImage image = path == StandardInputImage.Argument
                ? await SparseImage.OpenAsync(await StandardInputImage.OpenAsync(console, cancellationToken).ConfigureAwait(false), leaveOpen: false, options, cancellationToken).ConfigureAwait(false)
                : await SparseImage.OpenAsync(path, options, cancellationToken).ConfigureAwait(false);
            SparseImageInfo info = SparseImageInfo.FromImage(image);
            string text = context.GetValue(json) ? info.ToJson() : Describe(path == StandardInputImage.Argument ? StandardInputImage.DisplayName : path, info);
            await console.Out.WriteLineAsync(text).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static string Describe(string path, SparseImageInfo info)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        SparseHeaderInfo h = info.Header;
        var text = new System.Text.StringBuilder();
        text.AppendLine(c, $"{path}: Android sparse image, version {h.MajorVersion}.{h.MinorVersion}, file header {h.FileHeaderSize} bytes, chunk header {h.ChunkHeaderSize} bytes");
        text.AppendLine(c, $"blocks: {h.TotalBlocks} of {h.BlockSize} bytes ({info.RawLength} bytes expanded)");
        text.AppendLine(c, $"chunks: {h.TotalChunks}; image checksum: {(h.ImageChecksum == 0 ? "none" : $"0x{h.ImageChecksum:X8}")}");
        text.AppendLine(c, $"sparse size: {info.SparseLength} bytes ({info.SpaceRatio:P1} of the raw size); data blocks: {info.DataBlocks} ({info.DataRatio:P1} of all blocks)");
        text.AppendLine("totals:      chunks       blocks          bytes");
        AppendTotals(text, "RAW", info.Totals.Raw);
        AppendTotals(text, "FILL", info.Totals.Fill);
        AppendTotals(text, "DONT_CARE", info.Totals.DontCare);
        AppendTotals(text, "CRC32", info.Totals.Crc32);
        text.AppendLine(" chunk  type         start block       blocks   input offset         size  value");
        foreach (SparseChunkInfo chunk in info.Chunks)
        {
            string value = chunk.FillValue is uint fill ? $"fill 0x{fill:X8}" : chunk.Crc32 is uint crc ? $"crc32 0x{crc:X8}" : "";
            text.AppendLine(c, $"{chunk.Index,6}  {chunk.Type,-9} {chunk.StartBlock,14} {chunk.BlockCount,12} {chunk.InputOffset,14} {chunk.Size,12}  {value}");
        }
        return text.ToString().TrimEnd();
    }

    private static void AppendTotals(System.Text.StringBuilder text, string name, SparseTypeTotals totals) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-9} {totals.Chunks,7} {totals.Blocks,12} {totals.Bytes,14}");
}
