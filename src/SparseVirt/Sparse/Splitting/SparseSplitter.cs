using System.Runtime.CompilerServices;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>
/// Splits a sparse image into pieces that each fit a size limit (fastboot's <c>max-download-size</c>), like AOSP
/// <c>simg2simg</c>: every piece is a complete sparse image covering the whole image with DONT_CARE around the
/// data it carries, so flashing the pieces in order (or expanding them over one another) gives the original image.
/// </summary>
public static class SparseSplitter
{
    /// <summary>Plans the pieces of <paramref name="image"/> for a size limit, without writing anything.</summary>
    /// <param name="image">The opened sparse image.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> cannot hold even one chunk (the message gives the minimum).</exception>
    public static IReadOnlyList<SparsePiece> Plan(SparseImage image, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(image);
        return SparsePiecePlanner.Plan(image.Header, image.Chunks, maxBytes);
    }

    /// <summary>
    /// Splits the image at <paramref name="inputPath"/> into <c>PREFIX.0</c>, <c>PREFIX.1</c> ... (the
    /// <c>simg2simg</c> naming). A raw image is sparsed first (with <paramref name="options"/>). The pieces are
    /// written under temporary names and renamed together at the end; on failure none is left.
    /// </summary>
    /// <param name="inputPath">A sparse image, or a raw image to sparse on the way.</param>
    /// <param name="outputPrefix">The pieces' path without the <c>.N</c> suffix.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <param name="options">How a raw input is sparsed (ignored for sparse inputs), whether the pieces are made durable (<see cref="SparseWriterOptions.Durable"/>), and where diagnostics go.</param>
    /// <param name="progress">Receives the number of piece bytes written so far.</param>
    /// <returns>The paths of the pieces, in order.</returns>
    public static IReadOnlyList<string> Split(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        SyncPath.Complete(SplitCoreAsync(inputPath, outputPrefix, maxBytes, options, progress, async: false, CancellationToken.None));

    /// <inheritdoc cref="Split(string, string, long, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="inputPath">A sparse image, or a raw image to sparse on the way.</param>
    /// <param name="outputPrefix">The pieces' path without the <c>.N</c> suffix.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <param name="options">How a raw input is sparsed (ignored for sparse inputs), whether the pieces are made durable (<see cref="SparseWriterOptions.Durable"/>), and where diagnostics go.</param>
    /// <param name="progress">Receives the number of piece bytes written so far.</param>
    /// <param name="cancellationToken">Stops the split; no piece is left behind.</param>
    public static Task<IReadOnlyList<string>> SplitAsync(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        SplitCoreAsync(inputPath, outputPrefix, maxBytes, options, progress, async: true, cancellationToken).AsTask();

    /// <summary>Writes one planned piece of <paramref name="image"/> to <paramref name="destination"/> (seekable or not).</summary>
    /// <param name="image">The image the piece was planned from.</param>
    /// <param name="piece">A piece from <see cref="Plan"/>.</param>
    /// <param name="destination">Where the piece goes, from its position. Left open.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public static async Task WritePieceAsync(SparseImage image, SparsePiece piece, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(destination);
        var output = new SparsePieceWriter.PieceStreamOutput(destination);
        await SparsePieceWriter.WriteAsync(image, piece, output, async: true, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<IReadOnlyList<string>> SplitCoreAsync(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ILogger logger = options?.Logger ?? NullLogger.Instance;
        SparseExpandOptions readOptions = SparseExpandOptions.Default.WithLogger(logger);

        if (SparseImage.IsSparseImage(inputPath))
        {
            using SparseImage image = SparseImage.Open(inputPath, readOptions);
            return await SparsePieceSet.WriteAsync(image, outputPrefix, maxBytes, progress, logger, options?.Durable ?? false, async, cancellationToken).ConfigureAwait(false);
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(outputPrefix)) ?? ".";
        string temporaryPath = Path.Combine(folder, $".{Path.GetFileName(outputPrefix)}.{Guid.NewGuid():N}.sparse.tmp");
        SparseWriterLog.SplittingRaw(logger, temporaryPath);
        // The intermediate image is an output never committed: unnamed where the file system allows (O_TMPFILE), so a
        // process killed even by SIGKILL leaves nothing, and removed on disposal otherwise.
        AtomicFileOutput staging = AtomicFileOutput.Create(temporaryPath, async);
        await using ConfiguredAsyncDisposable stagingScope = staging.ConfigureAwait(false);
        var raw = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, async ? FileOptions.Asynchronous | FileOptions.SequentialScan : FileOptions.SequentialScan);
        await using (raw.ConfigureAwait(false))
        {
            await SparseConverter.ConvertStreamCoreAsync(raw, staging.Stream, options, null, async, cancellationToken).ConfigureAwait(false);
        }
        staging.Stream.Position = 0;
        using SparseImage staged = SparseImage.Open(staging.Stream, leaveOpen: true, readOptions);
        return await SparsePieceSet.WriteAsync(staged, outputPrefix, maxBytes, progress, logger, options?.Durable ?? false, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The path of piece <paramref name="index"/>: <c>PREFIX.N</c>.</summary>
    public static string PiecePath(string outputPrefix, int index) =>
        outputPrefix + "." + index.ToString(CultureInfo.InvariantCulture);
}
