using System.Runtime.CompilerServices;
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>Expansion of sparse images into raw images.</summary>
public sealed partial class SparseImage
{
    /// <summary>
    /// Expands this image into the file at <paramref name="destinationPath"/>. A regular file (new or existing) is
    /// written as a temporary file beside it, with DONT_CARE and zero FILL ranges left as holes, and renamed over it
    /// only on success; on failure or cancellation the destination is untouched and the temporary file removed. An
    /// existing block device is written in place: every defined byte, zero fills included; DONT_CARE leaves what is there.
    /// </summary>
    /// <param name="destinationPath">The raw image to write (its folder must exist), or a block device.</param>
    /// <param name="options">Checksum verification and logging; the defaults when null.</param>
    /// <param name="progress">Receives the bytes expanded so far and the total.</param>
    /// <param name="cancellationToken">Stops the expansion (between chunks and within long ones).</param>
    /// <exception cref="InvalidDataException">A checksum does not match (with verification on).</exception>
    /// <exception cref="SparseTruncatedException">The image's file shrank after it was opened.</exception>
    /// <exception cref="IOException">The destination cannot be written.</exception>
    public void ToRaw(string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandToPathAsync([this], destinationPath, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands this image into the file at <paramref name="destinationPath"/> asynchronously; see <see cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>.</summary>
    public Task ToRawAsync(string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandToPathAsync([this], destinationPath, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Expands this image into <paramref name="destination"/>, from its current position: every byte the image
    /// defines is written (zero fills too); DONT_CARE ranges are seeked over when the stream can seek (what is there
    /// stays, and the stream is extended to the image's end) and written as zeros when it cannot. The stream is
    /// flushed, not closed.
    /// </summary>
    /// <exception cref="InvalidDataException">A checksum does not match (with verification on).</exception>
    public void ToRaw(Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandToStreamAsync([this], destination, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands this image into <paramref name="destination"/> asynchronously; see <see cref="ToRaw(Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>.</summary>
    public Task ToRawAsync(Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandToStreamAsync([this], destination, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Opens the sparse image at <paramref name="sourcePath"/>, validates it and expands it into
    /// <paramref name="destinationPath"/>: the one call for build pipelines (destination rules as in
    /// <see cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message starts with the path and says where).</exception>
    /// <exception cref="SparseTruncatedException">The image ends before its headers say it should (the message starts with the path).</exception>
    public static void ToRaw(string sourcePath, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ToRaw([sourcePath], destinationPath, options, progress, cancellationToken);

    /// <summary>Expands the sparse image at <paramref name="sourcePath"/> into <paramref name="destinationPath"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(string, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static Task ToRawAsync(string sourcePath, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ToRawAsync([sourcePath], destinationPath, options, progress, cancellationToken);

    /// <summary>
    /// Expands several sparse images into one output, in order, each overlaying the ones before, as
    /// <c>simg2img a b c out</c> does: split pieces (from <c>simg2simg</c> or a split) reassemble into the whole. Each
    /// piece's DONT_CARE ranges keep what earlier pieces wrote; the output ends at the last piece's expanded length.
    /// Every piece is opened and validated before anything is written.
    /// </summary>
    /// <exception cref="InvalidDataException">A piece breaks the format, or a checksum does not match (the message starts with the piece's path).</exception>
    /// <exception cref="SparseTruncatedException">A piece ends before its headers say it should (the message starts with its path).</exception>
    public static void ToRaw(IEnumerable<string> sourcePaths, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandPathsAsync(sourcePaths, destinationPath, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands several sparse images into one output asynchronously; see <see cref="ToRaw(IEnumerable{string}, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>.</summary>
    public static Task ToRawAsync(IEnumerable<string> sourcePaths, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandPathsAsync(sourcePaths, destinationPath, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Expands the sparse image read from <paramref name="source"/> into <paramref name="destinationPath"/>. A
    /// seekable source is opened as an image (chunk table first); any other (a pipe, standard input, a socket) goes
    /// through the pipeline decoder, front to back, without buffering more than a batch. The source is not closed.
    /// </summary>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The source ends before the image does.</exception>
    public static void ToRaw(Stream source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandStreamToPathAsync(source, destinationPath, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands the sparse image read from <paramref name="source"/> into <paramref name="destinationPath"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(Stream, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static Task ToRawAsync(Stream source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandStreamToPathAsync(source, destinationPath, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Expands the sparse image read from the open file, pipe or socket <paramref name="source"/> (from its current
    /// position) into <paramref name="destinationPath"/> (destination rules as in
    /// <see cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>). On
    /// Linux, when <paramref name="source"/> is a pipe and the destination a file, RAW payloads move from the pipe to
    /// the file inside the kernel (<c>splice(2)</c>) and only the headers are read into memory; checksum verification
    /// needs every byte in memory and takes the ordinary path. A seekable file is opened as an image (chunk table
    /// first). The handle is neither closed nor read past the image's last chunk.
    /// </summary>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The source ends before the image does.</exception>
    public static void ToRaw(SafeFileHandle source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandHandleToPathAsync(source, destinationPath, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands the sparse image read from <paramref name="source"/> into <paramref name="destinationPath"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(SafeFileHandle, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static Task ToRawAsync(SafeFileHandle source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandHandleToPathAsync(source, destinationPath, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Expands the sparse image read from <paramref name="source"/> (seekable or not, as in
    /// <see cref="ToRaw(Stream, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>) into
    /// <paramref name="destination"/> (written as in <see cref="ToRaw(Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>).
    /// Neither stream is closed.
    /// </summary>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The source ends before the image does.</exception>
    public static void ToRaw(Stream source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandStreamToStreamAsync(source, destination, options, progress, useAsync: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>Expands the sparse image read from <paramref name="source"/> into <paramref name="destination"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(Stream, Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static Task ToRawAsync(Stream source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ExpandStreamToStreamAsync(source, destination, options, progress, useAsync: true, cancellationToken).AsTask();

    private static async ValueTask ExpandToPathAsync(
        IReadOnlyList<SparseImage> pieces, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken, IReadOnlyList<string>? pieceNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        RawDestination destination = RawDestination.OpenPath(destinationPath, options?.Logger, options?.Durable ?? false);
        await using ConfiguredAsyncDisposable destinationScope = destination.ConfigureAwait(false);
        var applier = new ChunkApplier(destination, options, progress, TotalRawLength(pieces));
        await SparseExpander.ExpandAsync(pieces, applier, useAsync, cancellationToken, pieceNames).ConfigureAwait(false);
        await destination.CommitAsync(useAsync).ConfigureAwait(false);
    }

    private static ValueTask ExpandToStreamAsync(IReadOnlyList<SparseImage> pieces, Stream destination, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        var applier = new ChunkApplier(new StreamRawDestination(destination), options, progress, TotalRawLength(pieces));
        return SparseExpander.ExpandAsync(pieces, applier, useAsync, cancellationToken);
    }

    private static async ValueTask ExpandPathsAsync(IEnumerable<string> sourcePaths, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourcePaths);
        string[] paths = [.. sourcePaths];
        if (paths.Length == 0)
        {
            throw new ArgumentException("At least one sparse image is needed.", nameof(sourcePaths));
        }

        var pieces = new List<SparseImage>(paths.Length);
        try
        {
            foreach (string path in paths)
            {
                pieces.Add(await OpenPieceAsync(path, options, useAsync, cancellationToken).ConfigureAwait(false));
            }
            await ExpandToPathAsync(pieces, destinationPath, options, progress, useAsync, cancellationToken, paths).ConfigureAwait(false);
        }
        finally
        {
            foreach (SparseImage piece in pieces)
            {
                await piece.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask<SparseImage> OpenPieceAsync(string path, SparseExpandOptions? options, bool useAsync, CancellationToken cancellationToken)
    {
        try
        {
            return useAsync ? await OpenAsync(path, options, cancellationToken).ConfigureAwait(false) : Open(path, options);
        }
        catch (Exception e) when (SparseThrowHelper.NameSource(e, path) is Exception named)
        {
            throw named;
        }
    }

    private static async ValueTask ExpandHandleToPathAsync(SafeFileHandle source, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        if (PipeSpliceDecoder.CanUse(source, options))
        {
            RawDestination destination = RawDestination.OpenPath(destinationPath, options?.Logger, options?.Durable ?? false);
            await using ConfiguredAsyncDisposable destinationScope = destination.ConfigureAwait(false);
            if (destination.KernelCopyTarget is not null)
            {
                var applier = new ChunkApplier(destination, options, progress, -1);
                if (useAsync)
                {
                    // The decoder blocks in read and splice calls; off the caller's thread, as an asynchronous call promises.
                    await Task.Run(() => PipeSpliceDecoder.Decode(source, applier, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    PipeSpliceDecoder.Decode(source, applier, cancellationToken);
                }
                await destination.CommitAsync(useAsync).ConfigureAwait(false);
                return;
            }
        }

        // Anything else reads through a stream over the same descriptor that does not own it, so the caller's handle
        // stays open (a FileStream closes the handle it is given): a seekable file as an image, the rest in order.
        bool added = false;
        try
        {
            source.DangerousAddRef(ref added);
            using var borrowed = new SafeFileHandle(source.DangerousGetHandle(), ownsHandle: false);
            var file = new FileStream(borrowed, FileAccess.Read, bufferSize: 0);
            await using ConfiguredAsyncDisposable fileScope = file.ConfigureAwait(false);
            Stream stream = file.CanSeek ? file : new BorrowedDescriptorStream(borrowed);
            await using ConfiguredAsyncDisposable streamScope = stream.ConfigureAwait(false);
            await ExpandStreamToPathAsync(stream, destinationPath, options, progress, useAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (added)
            {
                source.DangerousRelease();
            }
        }
    }

    private static ValueTask ExpandStreamToPathAsync(Stream source, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        return ExpandFromStreamAsync(
            source,
            options,
            useAsync,
            cancellationToken,
            image => ExpandToPathAsync([image], destinationPath, options, progress, useAsync, cancellationToken),
            async reader => await SparsePipeDecoder.ExpandToPathAsync(reader, destinationPath, options, progress, useAsync, cancellationToken).ConfigureAwait(false));
    }

    private static ValueTask ExpandStreamToStreamAsync(Stream source, Stream destination, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return ExpandFromStreamAsync(
            source,
            options,
            useAsync,
            cancellationToken,
            image => ExpandToStreamAsync([image], destination, options, progress, useAsync, cancellationToken),
            async reader => await SparsePipeDecoder.DecodeAsync(reader, new ChunkApplier(new StreamRawDestination(destination), options, progress, -1), useAsync, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Opens a seekable source as an image (chunk table first); wraps any other in a pipe for the pipeline decoder.</summary>
    private static async ValueTask ExpandFromStreamAsync(
        Stream source, SparseExpandOptions? options, bool useAsync, CancellationToken cancellationToken, Func<SparseImage, ValueTask> expandImage, Func<PipeReader, ValueTask> expandPipe)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.CanSeek)
        {
            SparseImage image = useAsync
                ? await OpenAsync(source, leaveOpen: true, options, cancellationToken).ConfigureAwait(false)
                : Open(source, leaveOpen: true, options);
            await using ConfiguredAsyncDisposable imageScope = image.ConfigureAwait(false);
            await expandImage(image).ConfigureAwait(false);
            return;
        }

        PipeReader reader = PipeReader.Create(source, SparsePipeDecoder.ReaderOptions(leaveOpen: true));
        try
        {
            await expandPipe(reader).ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static long TotalRawLength(IReadOnlyList<SparseImage> pieces)
    {
        long total = 0;
        foreach (SparseImage piece in pieces)
        {
            total += piece.RawLength;
        }
        return total;
    }
}
