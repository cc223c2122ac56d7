using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

/// <summary>
/// Feeds raw data to a <see cref="SparseChunkWriter"/>: classifies each block as a fill value or data and adds the
/// runs, skipping a source's holes unread. Shared by the converter (a whole raw image) and the appender (a raw image,
/// then the data appended to it).
/// </summary>
internal static class RawBlockFeeder
{
    /// <summary>The size of the read buffers (two are in use: one being read, one being written).</summary>
    internal const int BufferBytes = 1024 * 1024;

    /// <summary>
    /// Classifies everything <paramref name="source"/> holds and adds it to <paramref name="writer"/>; a final
    /// partial block is padded with zeros.
    /// </summary>
    /// <returns>The bytes of holes skipped without reading.</returns>
    public static async ValueTask<long> AddRawAsync(RawSource source, SparseChunkWriter writer, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        int blockSize = (int)writer.BlockSize;
        int bufferLength = Math.Max(blockSize, BufferBytes - (BufferBytes % blockSize));
        byte[] current = ArrayPool<byte>.Shared.Rent(bufferLength);
        byte[] spare = ArrayPool<byte>.Shared.Rent(bufferLength);
        long done = 0;
        long holes = 0;

        // The next piece is read while the current one is classified and written: reading and writing overlap.
        var readAhead = new RawReadAhead(source, async, cancellationToken);
        readAhead.Start(current.AsMemory(0, bufferLength));
        try
        {
            while (true)
            {
                RawPiece piece = await readAhead.TakeAsync().ConfigureAwait(false);
                if (piece.Length == 0)
                {
                    break;
                }
                readAhead.Start(spare.AsMemory(0, bufferLength));
                if (piece.IsHole)
                {
                    await writer.AddZerosAsync((piece.Length + blockSize - 1) / blockSize).ConfigureAwait(false);
                    holes += piece.Length;
                }
                else
                {
                    await AddDataPieceAsync(source, piece, current, writer).ConfigureAwait(false);
                }
                done += piece.Length;
                progress?.Report(done);
                (current, spare) = (spare, current);
            }
        }
        finally
        {
            // A read still running owns a buffer: let it end before the buffers go back to the pool.
            await readAhead.AbandonAsync().ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(spare);
        }
        return holes;
    }

    private static ValueTask AddDataPieceAsync(RawSource source, RawPiece piece, byte[] buffer, SparseChunkWriter writer)
    {
        int blockSize = (int)writer.BlockSize;
        int length = (int)piece.Length;
        int padded = length % blockSize == 0 ? length : length + (blockSize - (length % blockSize));
        buffer.AsSpan(length, padded - length).Clear();
        // A padded last block is written from the buffer: the file has no bytes for its padding.
        SafeFileHandle? file = padded == length && piece.FileOffset >= 0 ? source.File : null;
        return AddBlocksAsync(buffer.AsMemory(0, padded), writer, file, piece.FileOffset);
    }

    /// <summary>Adds whole blocks to <paramref name="writer"/>, classified into runs of one fill value or of data.</summary>
    /// <param name="blocks">Whole blocks.</param>
    /// <param name="writer">Where they go.</param>
    /// <param name="file">A file holding the same bytes at <paramref name="fileOffset"/>, for copying data runs in the kernel; null when there is none.</param>
    /// <param name="fileOffset">Where <paramref name="blocks"/> start in <paramref name="file"/>.</param>
    public static async ValueTask AddBlocksAsync(ReadOnlyMemory<byte> blocks, SparseChunkWriter writer, SafeFileHandle? file = null, long fileOffset = -1)
    {
        int blockSize = (int)writer.BlockSize;
        int offset = 0;
        while (offset < blocks.Length)
        {
            (bool isFill, uint value, int count) = NextRun(blocks.Span[offset..], blockSize);
            int bytes = count * blockSize;
            if (isFill)
            {
                await writer.AddFillAsync(value, count).ConfigureAwait(false);
            }
            else
            {
                await writer.AddRawAsync(blocks.Slice(offset, bytes), file, file is null ? -1 : fileOffset + offset).ConfigureAwait(false);
            }
            offset += bytes;
        }
    }

    private static (bool IsFill, uint Value, int Count) NextRun(ReadOnlySpan<byte> blocks, int blockSize)
    {
        if (BlockClassifier.TryGetFillValue(blocks[..blockSize], out uint value))
        {
            return (true, value, 1 + BlockClassifier.CountFilledBlocks(blocks[blockSize..], blockSize, value));
        }
        return (false, 0, 1 + BlockClassifier.CountDataBlocks(blocks[blockSize..], blockSize, out _, out _));
    }
}
