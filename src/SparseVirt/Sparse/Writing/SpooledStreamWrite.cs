using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>
/// Writes a sparse image into a caller's stream. The file header comes first but counts the chunks, so it is patched
/// at the end: a seekable stream is written in place; one that cannot seek gets the image built in an unnamed
/// temporary file first, then copied to it.
/// </summary>
internal static class SpooledStreamWrite
{
    private const int CopyBufferBytes = 1024 * 1024;

    /// <summary>
    /// Runs <paramref name="write"/> on <paramref name="destination"/>: directly when it can seek, otherwise through a
    /// temporary file that is then copied to it.
    /// </summary>
    public static async ValueTask<SparseHeader> WriteAsync(
        Func<SparseOutput, CancellationToken, ValueTask<SparseHeader>> write,
        Stream destination,
        ILogger? logger,
        bool async,
        CancellationToken cancellationToken)
    {
        if (destination.CanSeek)
        {
            var output = new StreamSparseOutput(destination);
            SparseHeader header = await write(output, cancellationToken).ConfigureAwait(false);
            output.SeekToEnd(output.Position);
            return header;
        }

        string temporaryPath = Path.Combine(Path.GetTempPath(), $"sparsevirt-{Guid.NewGuid():N}.simg.tmp");
        SparseWriterLog.Spooling(logger ?? NullLogger.Instance, temporaryPath);
        var spool = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None,
            BufferSize = 0,
        });
        await using ConfiguredAsyncDisposable spoolScope = spool.ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            // Unlinked at once: the handle keeps the space, and a process killed even by SIGKILL leaves no spool behind.
            File.Delete(temporaryPath);
        }
        using var spoolOutput = new FileSparseOutput(spool.SafeFileHandle);
        SparseHeader written = await write(spoolOutput, cancellationToken).ConfigureAwait(false);
        spool.Position = 0;
        if (async)
        {
            await spool.CopyToAsync(destination, CopyBufferBytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            spool.CopyTo(destination, CopyBufferBytes);
        }
        return written;
    }
}
