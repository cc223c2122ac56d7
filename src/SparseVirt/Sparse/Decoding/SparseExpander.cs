using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Expands opened (seekable) sparse images into a destination, chunk by chunk from the validated chunk table:
/// RAW payloads copied inside the kernel when both ends are files (else through one pooled buffer), FILL written
/// from a pooled pattern buffer in large writes, zero FILL and DONT_CARE left to the destination (holes in a fresh
/// file), CRC32 checked when asked.
/// </summary>
internal static class SparseExpander
{
    /// <summary>Expands <paramref name="pieces"/> in order into <paramref name="destination"/>, each overlaying the ones before.</summary>
    /// <remarks><paramref name="pieceNames"/>: the pieces' paths, put in front of format and checksum errors; null leaves messages as they are.</remarks>
    public static async ValueTask ExpandAsync(
        IReadOnlyList<SparseImage> pieces, RawDestination destination, ExpansionRun run, bool useAsync, CancellationToken cancellationToken, IReadOnlyList<string>? pieceNames = null)
    {
        for (int i = 0; i < pieces.Count; i++)
        {
            SparseImage piece = pieces[i];
            DecodingLog.ExpandingPiece(run.Logger, i + 1, pieces.Count, piece.Chunks.Count, piece.RawLength, destination.Description);
            try
            {
                await ExpandPieceAsync(piece, destination, i, run, useAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (pieceNames is not null && SourceNamedErrors.Name(e, pieceNames[i]) is Exception named)
            {
                throw named;
            }
        }
        long rawLength = pieces[^1].RawLength;
        await destination.CompleteAsync(rawLength, useAsync, cancellationToken).ConfigureAwait(false);
        run.Finish(rawLength);
    }

    private static async ValueTask ExpandPieceAsync(SparseImage image, RawDestination destination, int pieceIndex, ExpansionRun run, bool useAsync, CancellationToken cancellationToken)
    {
        uint blockSize = image.Header.BlockSize;
        await destination.BeginPieceAsync(image.RawLength, pieceIndex, useAsync, cancellationToken).ConfigureAwait(false);

        ExpansionChecksum? checksum = run.Options.VerifyChecksums ? new ExpansionChecksum() : null;
        SafeFileHandle? source = image.SourceFileHandle;
        SafeFileHandle? target = destination.KernelCopyTarget;
        ExpansionStatistics statistics = run.Statistics;
        byte[]? buffer = null;
        try
        {
            foreach (SparseChunk chunk in image.ChunkArray)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long offset = chunk.OutputOffset(blockSize);
                long length = chunk.OutputLength(blockSize);
                switch (chunk.Type)
                {
                    case SparseChunkType.Raw:
                        destination.PrepareRawRange(offset, length);
                        long copied = 0;
                        if (checksum is null && source is not null && target is not null && run.KernelCopyWorks && length > 0)
                        {
                            long payload = image.Origin + chunk.PayloadOffset;
                            copied = useAsync
                                ? await Task.Run(() => KernelFileCopy.Copy(source, payload, target, offset, length, cancellationToken), cancellationToken).ConfigureAwait(false)
                                : KernelFileCopy.Copy(source, payload, target, offset, length, cancellationToken);
                            if (copied < length)
                            {
                                run.KernelCopyWorks = false;
                                DecodingLog.KernelCopyUnavailable(run.Logger);
                            }
                        }
                        if (copied < length)
                        {
                            buffer ??= ArrayPool<byte>.Shared.Rent(PatternBuffers.Size);
                            await CopyThroughMemoryAsync(image, chunk, copied, offset, length, destination, buffer, checksum, useAsync, cancellationToken).ConfigureAwait(false);
                        }
                        statistics.RawBytes += length;
                        break;

                    case SparseChunkType.Fill:
                        await destination.FillAsync(chunk.FillValue, offset, length, useAsync, cancellationToken).ConfigureAwait(false);
                        AppendFill(checksum, chunk.FillValue, length, cancellationToken);
                        if (chunk.FillValue == 0)
                        {
                            statistics.ZeroBytes += length;
                        }
                        else
                        {
                            statistics.FillBytes += length;
                        }
                        break;

                    case SparseChunkType.DontCare:
                        await destination.SkipAsync(offset, length, useAsync, cancellationToken).ConfigureAwait(false);
                        checksum?.AppendRepeated(PatternBuffers.Zeros.Span, length, cancellationToken);
                        statistics.SkippedBytes += length;
                        break;

                    case SparseChunkType.Crc32:
                        if (checksum is not null)
                        {
                            checksum.Verify(chunk.Crc32, chunk.Index, chunk.HeaderOffset);
                            statistics.ChecksumsVerified++;
                        }
                        break;
                }
                run.Progress.Advance(length);
            }

            if (checksum is not null && image.Header.ImageChecksum != 0)
            {
                checksum.Verify(image.Header.ImageChecksum, null, 24);
                statistics.ChecksumsVerified++;
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Appends a FILL chunk's output to the running checksum.</summary>
    internal static void AppendFill(ExpansionChecksum? checksum, uint pattern, long length, CancellationToken cancellationToken)
    {
        if (checksum is null)
        {
            return;
        }
        if (pattern == 0)
        {
            checksum.AppendRepeated(PatternBuffers.Zeros.Span, length, cancellationToken);
            return;
        }
        ArraySegment<byte> patternBuffer = PatternBuffers.RentFilled(pattern, length);
        try
        {
            checksum.AppendRepeated(patternBuffer, length, cancellationToken);
        }
        finally
        {
            PatternBuffers.Return(patternBuffer);
        }
    }

    private static async ValueTask CopyThroughMemoryAsync(
        SparseImage image, SparseChunk chunk, long done, long offset, long length, RawDestination destination, byte[] buffer, ExpansionChecksum? checksum, bool useAsync, CancellationToken cancellationToken)
    {
        while (done < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int wanted = (int)Math.Min(length - done, PatternBuffers.Size);
            Memory<byte> memory = buffer.AsMemory(0, wanted);
            int read = await image.ReadPayloadAsync(chunk.PayloadOffset + done, memory, useAsync, cancellationToken).ConfigureAwait(false);
            if (read < wanted)
            {
                long end = chunk.PayloadOffset + done + read;
                SparseThrowHelper.ThrowTruncated(
                    $"RAW chunk's payload ends at byte {end}, {length - done - read} bytes short (the input shrank after it was opened)",
                    chunk.Index,
                    end);
            }
            checksum?.Append(memory.Span);
            await destination.WriteAsync(memory, offset + done, useAsync, cancellationToken).ConfigureAwait(false);
            done += wanted;
        }
    }
}
