using System.Buffers;
using System.Buffers.Binary;
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
        var target = new StreamRawDestination(destination);
        return DecodeAsync(source, target, new ExpansionRun(options, progress, -1), useAsync: true, cancellationToken).AsTask();
    }

    internal static async ValueTask<SparseHeader> ExpandToPathAsync(PipeReader source, string destinationPath, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        var run = new ExpansionRun(options, progress, -1);
        await using RawPathOutput output = RawPathOutput.Open(destinationPath, run.Logger);
        SparseHeader header = await DecodeAsync(source, output.Destination, run, useAsync, cancellationToken).ConfigureAwait(false);
        await output.CommitAsync(useAsync).ConfigureAwait(false);
        return header;
    }

    internal static async ValueTask<SparseHeader> DecodeAsync(PipeReader reader, RawDestination destination, ExpansionRun run, bool useAsync, CancellationToken cancellationToken)
    {
        var state = new PipeDecoderState();
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
                while (!state.IsDone)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (state.RawRemaining > 0)
                    {
                        long take = Math.Min(state.RawRemaining, rest.Length);
                        if (take == 0 || (take < state.RawRemaining && take < RawBatchBytes && !result.IsCompleted))
                        {
                            needMore = true;
                            break;
                        }
                        ReadOnlySequence<byte> payload = rest.Slice(0, take);
                        state.Checksum?.Append(payload);
                        await destination.WriteAsync(payload, state.OutputOffset, useAsync, cancellationToken).ConfigureAwait(false);
                        rest = rest.Slice(take);
                        state.ConsumeRaw(take);
                        if (state.RawRemaining == 0)
                        {
                            run.Progress.Advance(state.CurrentChunkLength);
                        }
                        continue;
                    }

                    if (!state.TryParseNext(ref rest, run, out PipeChunkAction action))
                    {
                        needMore = true;
                        break;
                    }
                    await ApplyAsync(action, state, destination, run, useAsync, cancellationToken).ConfigureAwait(false);
                }

                if (needMore && result.IsCompleted)
                {
                    state.ThrowTruncated(rest);
                }
            }
            finally
            {
                // Consumed what was used; examined everything when waiting, so the next read brings new data.
                reader.AdvanceTo(rest.Start, needMore ? rest.End : rest.Start);
            }

            if (state.IsDone)
            {
                if (!rest.IsEmpty)
                {
                    DecodingLog.StreamTrailingBytes(run.Logger, rest.Length, state.InputOffset);
                }
                break;
            }
        }

        SparseHeader header = state.Header;
        await destination.CompleteAsync(header.RawLength, useAsync, cancellationToken).ConfigureAwait(false);
        run.Finish(header.RawLength);
        return header;
    }

    private static async ValueTask ApplyAsync(PipeChunkAction action, PipeDecoderState state, RawDestination destination, ExpansionRun run, bool useAsync, CancellationToken cancellationToken)
    {
        SparseChunk chunk = action.Chunk;
        switch (action.Kind)
        {
            case PipeChunkActionKind.Header:
                SparseHeader header = state.Header;
                DecodingLog.StreamHeader(run.Logger, header.TotalChunks, header.TotalBlocks, header.BlockSize, header.RawLength);
                run.Progress.TotalBytes = header.RawLength;
                await destination.BeginPieceAsync(header.RawLength, 0, useAsync, cancellationToken).ConfigureAwait(false);
                break;
            case PipeChunkActionKind.Fill:
                long fillLength = chunk.OutputLength(state.Header.BlockSize);
                await destination.FillAsync(chunk.FillValue, action.OutputOffset, fillLength, useAsync, cancellationToken).ConfigureAwait(false);
                SparseExpander.AppendFill(state.Checksum, chunk.FillValue, fillLength, cancellationToken);
                if (chunk.FillValue == 0)
                {
                    run.Statistics.ZeroBytes += fillLength;
                }
                else
                {
                    run.Statistics.FillBytes += fillLength;
                }
                run.Progress.Advance(fillLength);
                break;
            case PipeChunkActionKind.DontCare:
                long skipLength = chunk.OutputLength(state.Header.BlockSize);
                await destination.SkipAsync(action.OutputOffset, skipLength, useAsync, cancellationToken).ConfigureAwait(false);
                state.Checksum?.AppendRepeated(PatternBuffers.Zeros.Span, skipLength, cancellationToken);
                run.Statistics.SkippedBytes += skipLength;
                run.Progress.Advance(skipLength);
                break;
            case PipeChunkActionKind.Crc32:
                if (state.Checksum is not null)
                {
                    state.Checksum.Verify(chunk.Crc32, chunk.Index, chunk.HeaderOffset);
                    run.Statistics.ChecksumsVerified++;
                }
                break;
            case PipeChunkActionKind.Raw:
                destination.PrepareRawRange(action.OutputOffset, chunk.OutputLength(state.Header.BlockSize));
                run.Statistics.RawBytes += chunk.OutputLength(state.Header.BlockSize);
                break;
            case PipeChunkActionKind.End:
                if (state.Checksum is not null && state.Header.ImageChecksum != 0)
                {
                    state.Checksum.Verify(state.Header.ImageChecksum, null, 24);
                    run.Statistics.ChecksumsVerified++;
                }
                break;
        }
    }
}
