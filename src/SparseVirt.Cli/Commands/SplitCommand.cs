using System.CommandLine;
using System.Globalization;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt split IN OUT MAX_BYTES</c>: the <c>simg2simg</c> form, writing OUT.0, OUT.1 ...</summary>
internal static class SplitCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("IN") { Description = "The sparse image to split (a raw image is sparsed on the way)." };
        var output = new Argument<string>("OUT") { Description = "The pieces' path prefix: pieces are written to OUT.0, OUT.1 ..." };
        var maxBytes = new Argument<string>("MAX_BYTES") { Description = "The most bytes a piece may have (fastboot's max-download-size); K, M and G suffixes are powers of 1024." };

        var fsync = new Option<bool>("--fsync")
        {
            Description = "Make the pieces durable before exiting: fsync each before it is named and the folder after (off by default, as for simg2simg).",
        };

        var command = new Command("split", "Split a sparse image into pieces of at most MAX_BYTES each (like simg2simg); flashing them in order rebuilds the image.")
        {
            input, output, maxBytes, fsync,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            long limit = ParseSize(context.GetValue(maxBytes));
            var options = SparseWriterOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Splitting")).WithDurable(context.GetValue(fsync));
            IReadOnlyList<string> pieces;
            try
            {
                // The pieces together are about as large as a sparse input: its size scales the bar.
                using IProgressBar progress = TerminalProgressBar.Create(console, "split", new FileInfo(context.GetValue(input)).Length);
                pieces = await SparseSplitter.SplitAsync(context.GetValue(input), context.GetValue(output), limit, options, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == "maxBytes")
            {
                throw new UsageException($"MAX_BYTES {limit}: {FirstSentence(e.Message)}");
            }
            if (GlobalOptions.IsVerbose(context.ParseResult))
            {
                await console.Error.WriteLineAsync($"wrote {pieces.Count} pieces: {string.Join(' ', pieces)}").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Parses a byte count with an optional K, M or G (binary) suffix.</summary>
    internal static long ParseSize(string text)
    {
        string digits = text.Trim();
        long multiplier = 1;
        if (digits.Length > 0 && char.IsLetter(digits[^1]))
        {
            multiplier = char.ToUpperInvariant(digits[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                _ => 0,
            };
            digits = digits[..^1];
        }
        if (multiplier == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0 || value > long.MaxValue / multiplier)
        {
            throw new UsageException($"MAX_BYTES '{text}' is not a positive byte count (digits, optionally followed by K, M or G)");
        }
        return value * multiplier;
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
