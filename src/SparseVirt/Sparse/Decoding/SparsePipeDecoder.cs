using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Sparse;

/// <summary>
/// Expands a sparse image read front to back from a <see cref="PipeReader"/>: any non-seekable source (a pipe,
/// standard input, a socket, a download). RAW payloads go from the pipe's own buffers straight to the destination
/// (one gather write per batch, nothing copied in between); headers that straddle buffer segments are parsed with
/// <see cref="SequenceReader{T}"/>. Buffering is bounded: at most one chunk header (64 KiB at the very most) or
/// <see cref="RawBatchBytes"/> of RAW payload is held, whatever sizes the image declares.
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
    public static Task<SparseHeader> ExpandAsync(PipeReader source, string destinationPath, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        return ExpandToPathAsync(source, destinationPath, options, progress, useAsync: true, cancellationToken).AsTask();
    }

    /// <summary>
    /// Expands the image from <paramref name="source"/> into <paramref name="destination"/>, from its current
    /// position: every defined byte is written, DONT_CARE is seeked over when the stream can seek (else written as zeros).
    /// </summary>
    /// <returns>The image's file header.</returns>
    /// <exception cref="InvalidDataException">The image breaks the format, or a checksum does not match (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The source ends before the image does.</exception>
    public static Task<SparseHeader> ExpandAsync(PipeReader source, Stream destination, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var applier = new ChunkApplier(new StreamRawDestination(destination), options, progress, -1);
        return DecodeAsync(source, applier, useAsync: true, cancellationToken).AsTask();
    }

    internal static async ValueTask<SparseHeader> ExpandToPathAsync(PipeReader source, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        RawDestination destination = RawDestination.OpenPath(destinationPath, options?.Logger, options?.Durable ?? false);
        await using ConfiguredAsyncDisposable destinationScope = destination.ConfigureAwait(false);
        SparseHeader header = await DecodeAsync(source, new ChunkApplier(destination, options, progress, -1), useAsync, cancellationToken).ConfigureAwait(false);
        await destination.CommitAsync(useAsync).ConfigureAwait(false);
        return header;
    }

    /// <summary>
    /// The read loop: parses headers from the pipe's buffers and hands chunks to <paramref name="applier"/>; what is
    /// particular to a pipe is only that RAW payloads are written from the pipe's own buffers, in batches.
    /// </summary>
    internal static async ValueTask<SparseHeader> DecodeAsync(PipeReader reader, ChunkApplier applier, bool useAsync, CancellationToken cancellationToken)
    {
        var parser = new PipeChunkParser();
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Reading the sparse image was canceled.", cancellationToken);
            }

            ReadOnlySequence<byte> rest = result.Buffer;
            bool needMore = false;
            try
            {
                while (!parser.IsDone)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (parser.RawRemaining > 0)
                    {
                        long take = Math.Min(parser.RawRemaining, rest.Length);
                        if (take == 0 || (take < parser.RawRemaining && take < RawBatchBytes && !result.IsCompleted))
                        {
                            needMore = true;
                            break;
                        }
                        await applier.WriteRawAsync(rest.Slice(0, take), parser.OutputOffset, useAsync, cancellationToken).ConfigureAwait(false);
                        rest = rest.Slice(take);
                        parser.ConsumeRaw(take);
                        if (parser.RawRemaining == 0)
                        {
                            applier.EndRawChunk(parser.CurrentChunkLength);
                        }
                        continue;
                    }

                    PipeParseResult parsed = parser.TryParseNext(ref rest, out SparseChunk chunk);
                    if (parsed == PipeParseResult.NeedMore)
                    {
                        needMore = true;
                        break;
                    }
                    await ApplyAsync(parsed, chunk, parser.Header, applier, useAsync, cancellationToken).ConfigureAwait(false);
                }

                if (needMore && result.IsCompleted)
                {
                    parser.ThrowTruncated(rest);
                }
            }
            finally
            {
                // Consumed what was used; examined everything when waiting, so the next read brings new data.
                reader.AdvanceTo(rest.Start, needMore ? rest.End : rest.Start);
            }

            if (parser.IsDone)
            {
                if (!rest.IsEmpty)
                {
                    SparseLog.StreamTrailingBytes(applier.Logger, rest.Length, parser.InputOffset);
                }
                break;
            }
        }

        SparseHeader header = parser.Header;
        await applier.FinishAsync(header.RawLength, useAsync, cancellationToken).ConfigureAwait(false);
        return header;
    }

    private static ValueTask ApplyAsync(PipeParseResult parsed, SparseChunk chunk, SparseHeader header, ChunkApplier applier, bool useAsync, CancellationToken cancellationToken)
    {
        switch (parsed)
        {
            case PipeParseResult.FileHeader:
                SparseLog.StreamHeader(applier.Logger, header.TotalChunks, header.TotalBlocks, header.BlockSize, header.RawLength);
                return applier.BeginPieceAsync(header, 0, useAsync, cancellationToken);
            case PipeParseResult.Chunk:
                return applier.ApplyAsync(chunk, header.BlockSize, useAsync, cancellationToken);
            default:
                applier.EndPiece(header);
                return ValueTask.CompletedTask;
        }
    }
}
