using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>
/// Expands a sparse image read front to back from a <see cref="PipeReader"/>: any non-seekable source (a pipe,
/// standard input, a socket, a download). RAW payloads go from the pipe's own buffers straight to the destination
/// (one gather write per batch, nothing copied in between). Buffering is bounded: at most one chunk header (64 KiB at
/// the very most) or <see cref="RawBatchBytes"/> of RAW payload is held, whatever sizes the image declares.
/// </summary>
public static class SparsePipeDecoder
{
    /// <summary>RAW payload is written in batches of at least this much (or the rest of the chunk), to keep system calls few.</summary>
    internal const int RawBatchBytes = 1024 * 1024;

    /// <summary>Options for wrapping a non-seekable <see cref="Stream"/> in a <see cref="PipeReader"/> for this decoder: large segments, so RAW writes are large.</summary>
    internal static StreamPipeReaderOptions ReaderOptions(bool leaveOpen) =>
        new(pool: null, bufferSize: RawBatchBytes, minimumReadSize: 64 * 1024, leaveOpen: leaveOpen);

    /// <summary>
    /// Expands the image from <paramref name="source"/> into the file or block device at
    /// <paramref name="destinationPath"/> (same rules as <see cref="SparseImage.ToRawAsync(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>).
    /// Reads the source up to the end of the last chunk and does not complete it.
    /// </summary>
    /// <returns>The image's file header.</returns>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The source ends before the image does.</exception>
    public static async Task<SparseHeader> ExpandAsync(PipeReader source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        return await SparseImage.ExpandCoreAsync(Chunks(source, options), destinationPath, null, options, progress, async: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Expands the image from <paramref name="source"/> into <paramref name="destination"/>, from its current
    /// position: every defined byte is written, DONT_CARE is seeked over when the stream can seek (else written as zeros).
    /// </summary>
    /// <inheritdoc cref="ExpandAsync(PipeReader, string, SparseExpandOptions?, IProgress{SparseExpandProgress}?, CancellationToken)"/>
    public static async Task<SparseHeader> ExpandAsync(PipeReader source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return await SparseImage.ExpandCoreAsync(Chunks(source, options), null, destination, options, progress, async: true, cancellationToken).ConfigureAwait(false);
    }

    private static PipeReaderChunkSource Chunks(PipeReader source, SparseExpandOptions? options)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new PipeReaderChunkSource(source, ownsReader: false, options?.Logger ?? NullLogger.Instance);
    }
}
