using System.Runtime.CompilerServices;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

/// <summary>
/// Turns raw images into Android sparse images (what AOSP <c>img2simg</c> does): blocks whose 32-bit words are all
/// equal become FILL chunks, blocks of zeros become DONT_CARE (or FILL 0, see <see cref="SparseWriterOptions.ZeroFill"/>),
/// holes of a sparse source file are skipped without being read, and everything else becomes RAW chunks of at most
/// <see cref="SparseWriterOptions.MaxChunkBytes"/>. Memory use is a fixed buffer, whatever the image's size.
/// </summary>
public static class SparseConverter
{
    /// <summary>Sparses the raw image at <paramref name="rawPath"/> into <paramref name="sparsePath"/> (written under a temporary name, renamed on success).</summary>
    /// <param name="rawPath">The raw image.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <returns>The file header of the image written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public static SparseHeader Convert(string rawPath, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        SyncPath.Complete(ConvertPathCoreAsync(rawPath, sparsePath, options, progress, async: false, CancellationToken.None));

    /// <inheritdoc cref="Convert(string, string, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="rawPath">The raw image.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion; the destination is then left untouched.</param>
    public static Task<SparseHeader> ConvertAsync(string rawPath, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        // File to file, the work is reads from the page cache and copies between files, which block on Linux whatever
        // the API: run the blocking core on a pool thread rather than making every positional read a pool work item
        // of its own (each wakes and spins pool threads, a tenth of the conversion's time on 2 cores). The token is
        // still checked between pieces.
        Task.Run(() => SyncPath.Complete(ConvertPathCoreAsync(rawPath, sparsePath, options, progress, async: false, cancellationToken)), cancellationToken);

    /// <summary>
    /// Sparses the raw data read from <paramref name="raw"/> (from its position to its end) into
    /// <paramref name="sparse"/> (from its position). A file stream's holes are skipped unread. A destination that
    /// cannot seek gets the image built in a temporary file first, since the file header, which comes first, counts
    /// the chunks.
    /// </summary>
    /// <param name="raw">The raw data; seekable or not.</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <returns>The file header of the image written.</returns>
    public static SparseHeader Convert(Stream raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        SyncPath.Complete(ConvertStreamCoreAsync(raw, sparse, options, progress, async: false, CancellationToken.None));

    /// <inheritdoc cref="Convert(Stream, Stream, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="raw">The raw data; seekable or not.</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion.</param>
    public static Task<SparseHeader> ConvertAsync(Stream raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        ConvertStreamCoreAsync(raw, sparse, options, progress, async: true, cancellationToken).AsTask();

    /// <summary>
    /// Sparses the raw data read from <paramref name="raw"/> (seekable or not, e.g. standard input) into the file
    /// <paramref name="sparsePath"/>, written under a temporary name and renamed on success.
    /// </summary>
    /// <param name="raw">The raw data, read from its position to its end.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion; the destination is then left untouched.</param>
    /// <returns>The file header of the image written.</returns>
    public static async Task<SparseHeader> ConvertAsync(Stream raw, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sparsePath);
        (options ?? SparseWriterOptions.Default).Validate();
        AtomicFileOutput atomic = AtomicFileOutput.Create(sparsePath, async: true);
        await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
        SparseHeader header = await ConvertStreamCoreAsync(raw, atomic.Stream, options, progress, async: true, cancellationToken).ConfigureAwait(false);
        await atomic.CommitAsync(options?.Durable ?? false).ConfigureAwait(false);
        return header;
    }

    /// <summary>Sparses the raw data a <see cref="PipeReader"/> delivers (a pipe, a socket, a download) into <paramref name="sparse"/>.</summary>
    /// <param name="raw">The raw data; read to its end (not completed by this method).</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion.</param>
    /// <returns>The file header of the image written.</returns>
    public static async Task<SparseHeader> ConvertAsync(PipeReader raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(raw);
        Stream rawStream = raw.AsStream(leaveOpen: true);
        await using ConfiguredAsyncDisposable rawStreamScope = rawStream.ConfigureAwait(false);
        return await ConvertStreamCoreAsync(rawStream, sparse, options, progress, async: true, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<SparseHeader> ConvertPathCoreAsync(string rawPath, string sparsePath, SparseWriterOptions? options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(rawPath);
        ArgumentException.ThrowIfNullOrEmpty(sparsePath);
        options ??= SparseWriterOptions.Default;
        options.Validate();

        using SafeFileHandle input = File.OpenHandle(rawPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(input);
        var source = new FileRawSource(input, 0, length, options.BlockSize);
        AtomicFileOutput atomic = AtomicFileOutput.Create(sparsePath);
        await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
        using var output = new FileSparseOutput(atomic.Handle);
        SparseHeader header = await WriteImageAsync(source, length, output, options, progress, async, cancellationToken).ConfigureAwait(false);
        if (async)
        {
            await atomic.CommitAsync(options.Durable).ConfigureAwait(false);
        }
        else
        {
            atomic.Commit(options.Durable);
        }
        return header;
    }

    internal static async ValueTask<SparseHeader> ConvertStreamCoreAsync(Stream raw, Stream sparse, SparseWriterOptions? options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(sparse);
        if (!raw.CanRead)
        {
            throw new ArgumentException("The raw data stream must be readable.", nameof(raw));
        }
        if (!sparse.CanWrite)
        {
            throw new ArgumentException("The sparse image stream must be writable.", nameof(sparse));
        }
        options ??= SparseWriterOptions.Default;
        options.Validate();

        RawSource source;
        long? length = null;
        long rawEnd = 0;
        if (raw is FileStream { CanSeek: true } file)
        {
            long start = file.Position;
            rawEnd = file.Length;
            length = rawEnd - start;
            source = new FileRawSource(file.SafeFileHandle, start, length.Value, options.BlockSize);
        }
        else
        {
            length = raw.CanSeek ? raw.Length - raw.Position : null;
            source = new StreamRawSource(raw);
        }

        SparseHeader header = await SpooledStreamWrite.WriteAsync(
            (output, ct) => WriteImageAsync(source, length, output, options, progress, async, ct),
            sparse,
            options.Logger,
            async,
            cancellationToken).ConfigureAwait(false);
        if (source is FileRawSource)
        {
            raw.Position = rawEnd;
        }
        return header;
    }

    /// <summary>Writes a whole image from <paramref name="source"/>.</summary>
    private static async ValueTask<SparseHeader> WriteImageAsync(RawSource source, long? length, SparseOutput output, SparseWriterOptions options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        ILogger logger = options.Logger ?? NullLogger.Instance;
        SparseWriterLog.Converting(logger, length ?? -1, options.BlockSize, options.ZeroFill ? "FILL 0" : "DONT_CARE", options.IncludeCrc);
        SparseChunkWriter writer = await SparseChunkWriter.StartAsync(output, options, async, cancellationToken).ConfigureAwait(false);
        long holeBytes = await RawBlockFeeder.AddRawAsync(source, writer, progress, async, cancellationToken).ConfigureAwait(false);
        SparseHeader header = await writer.FinishAsync().ConfigureAwait(false);
        SparseWriterLog.Converted(logger, header.TotalChunks, header.TotalBlocks, output.Position, holeBytes);
        return header;
    }
}
