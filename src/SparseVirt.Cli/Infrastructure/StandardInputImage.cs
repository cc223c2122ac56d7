namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// Standard input as a seekable stream, for the verbs that read an image's chunk table before its data (<c>info -</c>,
/// <c>verify -</c>): <see cref="Sparse.SparseImage.Open(Stream, bool, Sparse.SparseExpandOptions?)"/> needs to seek.
/// A file redirected with <c>&lt; image</c> is read in place. A pipe is first copied into a temporary file that has
/// no name (removed as soon as it is opened on Linux and macOS, so nothing is left behind even if the process is
/// killed; deleted on close on Windows), as large as the image.
/// </summary>
internal static class StandardInputImage
{
    /// <summary>The argument that stands for standard input.</summary>
    public const string Argument = "-";

    /// <summary>How the text output names standard input.</summary>
    public const string DisplayName = "standard input";

    public static async Task<Stream> OpenAsync(CliConsole console, CancellationToken cancellationToken)
    {
        // The process's descriptor 0 as a FileStream seeks when it is a file; Console.OpenStandardInput never does.
        Stream input = console.StandardInputHandle is { } handle
            ? new FileStream(handle(), FileAccess.Read, bufferSize: 0)
            : console.OpenStandardInput();
        if (input.CanSeek)
        {
            return input;
        }
        await using (input.ConfigureAwait(false))
        {
            FileStream spool = CreateUnnamedTemporaryFile();
            try
            {
                await input.CopyToAsync(spool, 1 << 20, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                return spool;
            }
            catch
            {
                await spool.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static FileStream CreateUnnamedTemporaryFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sparsevirt-stdin-{Guid.NewGuid():N}");
        var options = FileOptions.Asynchronous | (OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, options);
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(path);
        }
        return file;
    }
}
