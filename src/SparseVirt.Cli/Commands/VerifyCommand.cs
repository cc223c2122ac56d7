using System.CommandLine;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary><c>sparsevirt verify IN</c>: the structure and checksums of a sparse image; exit 1 with the first problem.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("IN") { Description = "The sparse image to check; - reads standard input (a pipe is copied to an unnamed temporary file first)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (with a schemaVersion; a failure to read the image is a JSON error)." };
        var command = new Command("verify", "Check a sparse image's structure, its CRC32 chunks and its image checksum; exit 1 and name the first problem if any.")
        {
            input, json,
        };
        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            string path = context.GetValue(input);
            var options = SparseExpandOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse.Inspection"));
            SparseVerificationResult result;
            if (path == StandardInputImage.Argument)
            {
                path = StandardInputImage.DisplayName;
                await using Stream stream = await StandardInputImage.OpenAsync(console, cancellationToken).ConfigureAwait(false);
                result = await SparseVerifier.VerifyAsync(stream, options, null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = await SparseVerifier.VerifyAsync(path, options, null, cancellationToken).ConfigureAwait(false);
            }
            if (context.GetValue(json))
            {
                await console.Out.WriteLineAsync(result.ToJson()).ConfigureAwait(false);
            }
            else if (result.IsValid)
            {
                string checksums = result.CrcChunksChecked > 0 || result.ImageChecksumChecked
                    ? $"{result.CrcChunksChecked} CRC32 chunk(s) match{(result.ImageChecksumChecked ? ", image checksum matches" : "")}"
                    : "no checksums recorded";
                await console.Out.WriteLineAsync($"{path}: OK: {result.Chunks} chunks, {result.RawLength} bytes expanded; {checksums}").ConfigureAwait(false);
            }
            else
            {
                await console.Error.WriteLineAsync($"sparsevirt: {path}: {result.Problem}").ConfigureAwait(false);
            }
            return result.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
