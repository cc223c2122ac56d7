namespace SparseVirt.Sparse;

/// <summary>
/// Checks chunk headers one after another against the file header, the way every reader of the format must
/// (seekable chunk-table reading and the streaming pipeline decoder share it), and turns each into a
/// <see cref="SparseChunk"/> with its output block range. All arithmetic is 64-bit: an image's output may exceed
/// 2^32 bytes, and a chunk's declared sizes may not be trusted.
/// </summary>
internal struct SparseChunkCursor
{
    private readonly SparseHeader _header;
    private int _index;
    private long _nextBlock;

    public SparseChunkCursor(SparseHeader header)
    {
        _header = header;
    }

    /// <summary>How many chunks have been accepted.</summary>
    public readonly int ChunksAccepted => _index;

    /// <summary>True when every chunk the header declares has been accepted.</summary>
    public readonly bool IsComplete => (uint)_index == _header.TotalChunks;

    /// <summary>
    /// Validates the next chunk header, read at <paramref name="headerOffset"/>, and returns the chunk it describes.
    /// The FILL pattern or CRC32 value is not known yet: the caller reads it and sets <see cref="SparseChunk.Value"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is inconsistent; the message names the chunk, offset and field.</exception>
    public SparseChunk Accept(in SparseChunkHeader chunk, long headerOffset)
    {
        int index = _index;
        if ((uint)index >= _header.TotalChunks)
        {
            SparseThrowHelper.ThrowChunk($"the file header declares only {_header.TotalChunks} chunks", index, headerOffset);
        }

        long chunkHeaderSize = _header.ChunkHeaderSize;
        if (chunk.TotalSize < chunkHeaderSize)
        {
            SparseThrowHelper.ThrowChunk(
                $"total_sz {chunk.TotalSize} is smaller than the {chunkHeaderSize}-byte chunk header", index, headerOffset);
        }
        long payloadLength = chunk.TotalSize - chunkHeaderSize;
        uint blocks = chunk.BlockCount;

        var type = (SparseChunkType)chunk.TypeCode;
        switch (type)
        {
            case SparseChunkType.Raw:
                RequireRawPayload(chunk.TotalSize, payloadLength, blocks, index, headerOffset);
                break;
            case SparseChunkType.Fill:
                RequirePayload(type, chunk.TotalSize, payloadLength, SparseFormat.FillOrCrcPayloadSize, index, headerOffset);
                break;
            case SparseChunkType.DontCare:
                RequirePayload(type, chunk.TotalSize, payloadLength, 0, index, headerOffset);
                break;
            case SparseChunkType.Crc32:
                RequirePayload(type, chunk.TotalSize, payloadLength, SparseFormat.FillOrCrcPayloadSize, index, headerOffset);
                // libsparse ignores chunk_sz on CRC32 chunks: they never cover output blocks.
                blocks = 0;
                break;
            default:
                SparseThrowHelper.ThrowChunk(
                    $"unknown chunk type 0x{chunk.TypeCode:X4} (known: RAW 0xCAC1, FILL 0xCAC2, DONT_CARE 0xCAC3, CRC32 0xCAC4)",
                    index,
                    headerOffset);
                break;
        }

        long start = _nextBlock;
        long end = start + blocks;
        if (end > _header.TotalBlocks)
        {
            SparseThrowHelper.ThrowChunk(
                $"{TypeName(type)} chunk covers blocks {start}..{end - 1}, past the image's total_blks of {_header.TotalBlocks}",
                index,
                headerOffset);
        }

        _nextBlock = end;
        _index = index + 1;
        return new SparseChunk(index, type, start, blocks, headerOffset, headerOffset + chunkHeaderSize, payloadLength, 0);
    }

    /// <summary>Checks, after the last chunk, that the chunks covered exactly total_blks blocks.</summary>
    /// <param name="endOffset">The byte offset just past the last chunk, for the error message.</param>
    public readonly void Complete(long endOffset)
    {
        if (!IsComplete)
        {
            SparseThrowHelper.ThrowTruncated(
                $"the file header declares {_header.TotalChunks} chunks but only {_index} were read",
                _index,
                endOffset);
        }
        if (_nextBlock != _header.TotalBlocks)
        {
            throw SparseThrowHelper.Format(
                $"the chunks cover {_nextBlock} blocks but the file header's total_blks is {_header.TotalBlocks}",
                _index > 0 ? _index - 1 : null,
                endOffset);
        }
    }

    public static string TypeName(SparseChunkType type) => type switch
    {
        SparseChunkType.Raw => "RAW",
        SparseChunkType.Fill => "FILL",
        SparseChunkType.DontCare => "DONT_CARE",
        SparseChunkType.Crc32 => "CRC32",
        _ => $"0x{(ushort)type:X4}",
    };

    private readonly void RequireRawPayload(uint totalSize, long payloadLength, uint blocks, int index, long headerOffset)
    {
        long chunkHeaderSize = _header.ChunkHeaderSize;
        long rawBytes = (long)blocks * _header.BlockSize;
        if (payloadLength != rawBytes)
        {
            SparseThrowHelper.ThrowChunk(
                $"RAW chunk of {blocks} blocks needs total_sz {chunkHeaderSize + rawBytes} ({chunkHeaderSize}-byte header + {blocks} x {_header.BlockSize} bytes) but declares {totalSize}",
                index,
                headerOffset);
        }
    }

    private readonly void RequirePayload(SparseChunkType type, uint totalSize, long payloadLength, int expected, int index, long headerOffset)
    {
        if (payloadLength != expected)
        {
            SparseThrowHelper.ThrowChunk(
                $"{TypeName(type)} chunk must have total_sz {_header.ChunkHeaderSize + expected} ({_header.ChunkHeaderSize}-byte header + {expected}-byte payload) but declares {totalSize}",
                index,
                headerOffset);
        }
    }
}
