using System.Buffers;
using System.Buffers.Binary;

namespace SparseVirt.Sparse;

/// <summary>
/// Writes one planned piece: its file header, DONT_CARE around the segments it carries, FILL chunks as they are, and
/// RAW payloads copied from the image (file to file in the kernel where it can).
/// </summary>
internal static class SparsePieceWriter
{
    private const int CopyBufferBytes = 1024 * 1024;

    /// <summary>Writes <paramref name="piece"/> of <paramref name="image"/> to <paramref name="output"/>.</summary>
    public static async ValueTask WriteAsync(SparseImage image, SparsePiece piece, SparseOutput output, bool async, CancellationToken cancellationToken)
    {
        SparseHeader header = image.Header;
        uint blockSize = header.BlockSize;
        byte[] small = new byte[SparseFormat.FileHeaderSize];
        SparseHeader.Create(blockSize, header.TotalBlocks, (uint)piece.ChunkCount).Write(small);
        await output.WriteSmallAsync(small, async, cancellationToken).ConfigureAwait(false);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            long next = 0;
            foreach (SparsePieceSegment segment in piece.Segments)
            {
                await WriteDontCareAsync(output, small, segment.StartBlock - next, async, cancellationToken).ConfigureAwait(false);
                SparseChunkType type = segment.SourceChunk.Type;
                long payload = segment.PayloadLength(blockSize);
                new SparseChunkHeader((ushort)type, 0, segment.BlockCount, checked((uint)(SparseFormat.ChunkHeaderSize + payload))).Write(small);
                if (type == SparseChunkType.Fill)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(small.AsSpan(SparseFormat.ChunkHeaderSize), segment.SourceChunk.FillValue);
                    await output.WriteSmallAsync(small.AsMemory(0, SparseFormat.ChunkHeaderSize + SparseFormat.FillOrCrcPayloadSize), async, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await output.WriteSmallAsync(small.AsMemory(0, SparseFormat.ChunkHeaderSize), async, cancellationToken).ConfigureAwait(false);
                    await CopyPayloadAsync(image, segment.SourcePayloadOffset(blockSize), payload, output, buffer, async, cancellationToken).ConfigureAwait(false);
                }
                next = segment.StartBlock + segment.BlockCount;
            }
            await WriteDontCareAsync(output, small, header.TotalBlocks - next, async, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask WriteDontCareAsync(SparseOutput output, byte[] scratch, long blocks, bool async, CancellationToken cancellationToken)
    {
        if (blocks > 0)
        {
            new SparseChunkHeader((ushort)SparseChunkType.DontCare, 0, (uint)blocks, SparseFormat.ChunkHeaderSize).Write(scratch);
            await output.WriteSmallAsync(scratch.AsMemory(0, SparseFormat.ChunkHeaderSize), async, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask CopyPayloadAsync(SparseImage image, long offset, long length, SparseOutput output, byte[] buffer, bool async, CancellationToken cancellationToken)
    {
        if (image.SourceFileHandle is { } source)
        {
            // RAW data moves file to file inside the kernel (copy_file_range) where it can; the rest goes through memory.
            long copied = await output.AppendFromFileAsync(source, image.Origin + offset, length, async, cancellationToken).ConfigureAwait(false);
            offset += copied;
            length -= copied;
        }
        while (length > 0)
        {
            int part = (int)Math.Min(length, buffer.Length);
            Memory<byte> chunk = buffer.AsMemory(0, part);
            await image.ReadPayloadExactlyAsync(offset, chunk, null, async, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(chunk, async, cancellationToken).ConfigureAwait(false);
            offset += part;
            length -= part;
        }
    }

    /// <summary>A piece written into a caller's stream, which need not seek: pieces never patch what they wrote.</summary>
    internal sealed class PieceStreamOutput(Stream stream) : SparseOutput
    {
        protected override async ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
        {
            if (async)
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                stream.Write(data.Span);
            }
        }
    }
}
