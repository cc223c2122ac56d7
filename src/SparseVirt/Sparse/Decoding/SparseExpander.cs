using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>
/// Expands opened (seekable) sparse images by walking their validated chunk tables into a <see cref="ChunkApplier"/>.
/// What is particular to a seekable source is only where RAW bytes come from: copied inside the kernel when both
/// ends are files (copy_file_range), else read at their offset into one pooled buffer.
/// </summary>
internal static class SparseExpander
{
    /// <summary>Expands <paramref name="pieces"/> in order, each overlaying the ones before, and finishes the output.</summary>
    /// <remarks><paramref name="pieceNames"/>: the pieces' paths, put in front of format and checksum errors; null leaves messages as they are.</remarks>
    public static async ValueTask ExpandAsync(
        IReadOnlyList<SparseImage> pieces, ChunkApplier applier, bool useAsync, CancellationToken cancellationToken, IReadOnlyList<string>? pieceNames = null)
    {
        for (int i = 0; i < pieces.Count; i++)
        {
            SparseImage piece = pieces[i];
            SparseLog.ExpandingPiece(applier.Logger, i + 1, pieces.Count, piece.Chunks.Count, piece.RawLength, applier.Destination.Description);
            try
            {
                await ExpandPieceAsync(piece, applier, i, useAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (pieceNames is not null && SparseThrowHelper.NameSource(e, pieceNames[i]) is Exception named)
            {
                throw named;
            }
        }
        await applier.FinishAsync(pieces[^1].RawLength, useAsync, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask ExpandPieceAsync(SparseImage image, ChunkApplier applier, int pieceIndex, bool useAsync, CancellationToken cancellationToken)
    {
        uint blockSize = image.Header.BlockSize;
        await applier.BeginPieceAsync(image.Header, pieceIndex, useAsync, cancellationToken).ConfigureAwait(false);
        byte[]? buffer = null;
        try
        {
            foreach (SparseChunk chunk in image.ChunkArray)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await applier.ApplyAsync(chunk, blockSize, useAsync, cancellationToken).ConfigureAwait(false);
                if (chunk.Type != SparseChunkType.Raw)
                {
                    continue;
                }

                long offset = chunk.OutputOffset(blockSize);
                long length = chunk.OutputLength(blockSize);
                long done = 0;
                if (length > 0 && applier.KernelCopyAllowed && image.SourceFileHandle is SafeFileHandle source)
                {
                    done = await CopyInKernelAsync(source, image.Origin + chunk.PayloadOffset, applier.Destination.KernelCopyTarget!, offset, length, useAsync, cancellationToken).ConfigureAwait(false);
                    if (done < length)
                    {
                        applier.KernelCopyFailed();
                    }
                }
                while (done < length)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    buffer ??= ArrayPool<byte>.Shared.Rent(PatternBuffers.Size);
                    Memory<byte> memory = buffer.AsMemory(0, (int)Math.Min(length - done, PatternBuffers.Size));
                    await image.ReadPayloadExactlyAsync(chunk.PayloadOffset + done, memory, chunk.Index, useAsync, cancellationToken).ConfigureAwait(false);
                    await applier.WriteRawAsync(memory, offset + done, useAsync, cancellationToken).ConfigureAwait(false);
                    done += memory.Length;
                }
                applier.EndRawChunk(length);
            }
            applier.EndPiece(image.Header);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async ValueTask<long> CopyInKernelAsync(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long offset, long length, bool useAsync, CancellationToken cancellationToken) =>
        useAsync
            ? await Task.Run(() => KernelFileCopy.Copy(source, sourceOffset, target, offset, length, cancellationToken), cancellationToken).ConfigureAwait(false)
            : KernelFileCopy.Copy(source, sourceOffset, target, offset, length, cancellationToken);
}
