using System.Runtime.CompilerServices;

namespace SparseVirt.Sparse;

/// <summary>
/// The one core every expansion goes through (<see cref="SparseImage"/>'s <c>ToRaw</c> family,
/// <see cref="SparsePipeDecoder"/>): the chunk source is opened (every piece validated before anything is written),
/// the destination opened, the one chunk loop run, the output committed; errors get the source's name here.
/// </summary>
internal static class SparseExpansion
{
    /// <summary>Expands <paramref name="source"/> into the file or device at <paramref name="destinationPath"/> or, when that is null, into <paramref name="destinationStream"/>.</summary>
    /// <returns>The (last) image's file header.</returns>
    public static async ValueTask<SparseHeader> ExpandCoreAsync(
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
    public static async ValueTask<SparseHeader> ExpandCoreAsync(
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
