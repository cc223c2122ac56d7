using System.Runtime.CompilerServices;

namespace SparseVirt.Sparse;

/// <summary>
/// Expansion of sparse images into raw images. Every form is a line onto one core, <c>ExpandCoreAsync</c>: the chunk
/// source is opened (every piece validated before anything is written), the destination opened, the one chunk loop
/// run (<see cref="ChunkSource"/>), the output committed; errors get the source's name here.
/// </summary>
public sealed partial class SparseImage
{
    /// <summary>
    /// Expands this image into the file at <paramref name="destinationPath"/>. A regular file (new or existing) is
    /// written as a temporary file beside it, with DONT_CARE and zero FILL ranges left as holes, and renamed over it
    /// only on success; on failure or cancellation the destination is untouched and the temporary file removed. An
    /// existing block device is written in place: every defined byte, zero fills included; DONT_CARE leaves what is
    /// there. Any other existing special file (<c>/dev/null</c>, a FIFO) is written in order.
    /// </summary>
    /// <param name="destinationPath">The raw image to write (its folder must exist), or a block device.</param>
    /// <param name="options">Checksum verification, durability and logging; the defaults when null.</param>
    /// <param name="progress">Receives the bytes expanded so far and the total.</param>
    /// <param name="cancellationToken">Stops the expansion (between chunks and within long ones).</param>
    /// <exception cref="InvalidDataException">A checksum does not match (with verification on).</exception>
    /// <exception cref="SparseTruncatedException">The image's file shrank after it was opened.</exception>
    /// <exception cref="IOException">The destination cannot be written.</exception>
    public void ToRaw(string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SyncPath.Complete(ExpandCoreAsync(ImageChunkSource.Of(this), destinationPath, null, options, progress, async: false, cancellationToken));

    /// <summary>Expands this image into the file at <paramref name="destinationPath"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public async Task ToRawAsync(string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await ExpandCoreAsync(ImageChunkSource.Of(this), destinationPath, null, options, progress, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Expands this image into <paramref name="destination"/>, from its current position: every byte the image
    /// defines is written (zero fills too); DONT_CARE ranges are seeked over when the stream can seek (what is there
    /// stays, and the stream is extended to the image's end) and written as zeros when it cannot. The stream is
    /// flushed, not closed.
    /// </summary>
    /// <inheritdoc cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public void ToRaw(Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SyncPath.Complete(ExpandCoreAsync(ImageChunkSource.Of(this), null, Required(destination), options, progress, async: false, cancellationToken));

    /// <summary>Expands this image into <paramref name="destination"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public async Task ToRawAsync(Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await ExpandCoreAsync(ImageChunkSource.Of(this), null, Required(destination), options, progress, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Expands <paramref name="source"/> (a path, several pieces, a stream or a descriptor, see <see cref="SparseSource"/>)
    /// into <paramref name="destinationPath"/>, written as in
    /// <see cref="ToRaw(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>: the one
    /// call for build pipelines, <c>SparseImage.ToRaw("system.simg", "system.raw")</c>.
    /// </summary>
    /// <param name="source">What to expand; a path, a <c>string[]</c> of pieces, a <see cref="Stream"/> or a <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/> converts to it.</param>
    /// <param name="destinationPath">The raw image to write (its folder must exist), or a device.</param>
    /// <param name="options">Checksum verification, durability and logging; the defaults when null.</param>
    /// <param name="progress">Receives the bytes expanded so far and the total (the total once a streamed image's header is read).</param>
    /// <param name="cancellationToken">Stops the expansion (between chunks and within long ones).</param>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message starts with the piece's path, when it has one, and says where).</exception>
    /// <exception cref="SparseTruncatedException">The input ends before its headers say it should.</exception>
    /// <exception cref="IOException">The destination cannot be written.</exception>
    public static void ToRaw(SparseSource source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SyncPath.Complete(ExpandCoreAsync(source, destinationPath, null, options, progress, async: false, cancellationToken));

    /// <summary>Expands <paramref name="source"/> into <paramref name="destinationPath"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(SparseSource, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static async Task ToRawAsync(SparseSource source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await ExpandCoreAsync(source, destinationPath, null, options, progress, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Expands <paramref name="source"/> into <paramref name="destination"/>, written as in
    /// <see cref="ToRaw(Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>. Several
    /// pieces need a seekable destination. Neither stream is closed.
    /// </summary>
    /// <inheritdoc cref="ToRaw(SparseSource, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static void ToRaw(SparseSource source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SyncPath.Complete(ExpandCoreAsync(source, null, Required(destination), options, progress, async: false, cancellationToken));

    /// <summary>Expands <paramref name="source"/> into <paramref name="destination"/> asynchronously.</summary>
    /// <inheritdoc cref="ToRaw(SparseSource, Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static async Task ToRawAsync(SparseSource source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await ExpandCoreAsync(source, null, Required(destination), options, progress, async: true, cancellationToken).ConfigureAwait(false);

    private static Stream Required(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination;
    }

    /// <summary>Expands <paramref name="source"/> into the file or device at <paramref name="destinationPath"/> or, when that is null, into <paramref name="destinationStream"/>.</summary>
    /// <returns>The (last) image's file header.</returns>
    internal static async ValueTask<SparseHeader> ExpandCoreAsync(
        SparseSource source, string? destinationPath, Stream? destinationStream, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckDestination(destinationPath, destinationStream);
        if (async && source.Blocks(options))
        {
            // Splicing from a pipe blocks in read and splice calls: off the caller's thread, as an asynchronous call promises.
            return await Task.Run(
                () => SyncPath.Complete(ExpandCoreAsync(source, destinationPath, destinationStream, options, progress, async: false, cancellationToken)),
                cancellationToken).ConfigureAwait(false);
        }
        return await ExpandCoreAsync(source.CreateChunkSource(options, async), destinationPath, destinationStream, options, progress, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Expands the chunks of <paramref name="chunks"/>, which it disposes of, as <see cref="ExpandCoreAsync(SparseSource, string?, Stream?, SparseExpandOptions?, IProgress{SparseExpandProgress}?, bool, CancellationToken)"/> does.</summary>
    internal static async ValueTask<SparseHeader> ExpandCoreAsync(
        ChunkSource chunks, string? destinationPath, Stream? destinationStream, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        await using ConfiguredAsyncDisposable chunksScope = chunks.ConfigureAwait(false);
        try
        {
            CheckDestination(destinationPath, destinationStream);
            await chunks.OpenAsync(options, async, cancellationToken).ConfigureAwait(false);
            RawDestination destination = destinationPath is null
                ? new StreamRawDestination(destinationStream!)
                : RawDestination.OpenPath(destinationPath, options?.Logger, options?.Durable ?? false);
            await using ConfiguredAsyncDisposable destinationScope = destination.ConfigureAwait(false);
            var applier = new ChunkApplier(destination, options, progress, chunks.TotalRawLength);
            SparseHeader header = await chunks.RunAsync(applier, async, cancellationToken).ConfigureAwait(false);
            // The last progress report comes after the last chunk: a cancellation asked for there still leaves the
            // destination as it was (a C caller's progress callback cancels by its return value, sparsevirt.h).
            cancellationToken.ThrowIfCancellationRequested();
            await destination.CommitAsync(async).ConfigureAwait(false);
            return header;
        }
        catch (Exception e) when (chunks.CurrentName is string name && SparseThrowHelper.NameSource(e, name) is Exception named)
        {
            throw named;
        }
    }

    private static void CheckDestination(string? destinationPath, Stream? destinationStream)
    {
        if (destinationStream is null)
        {
            ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        }
    }
}
