using System.Buffers;
using System.Buffers.Binary;

namespace SparseVirt.Sparse;

/// <summary>What <see cref="PipeChunkParser.TryParseNext"/> found at the front of the buffer.</summary>
internal enum PipeParseResult
{
    /// <summary>Not all of the next header is there yet: read more.</summary>
    NeedMore,

    /// <summary>The file header (<see cref="PipeChunkParser.Header"/>).</summary>
    FileHeader,

    /// <summary>A chunk header with its FILL or CRC32 value; a RAW chunk's payload follows (<see cref="PipeChunkParser.RawRemaining"/>).</summary>
    Chunk,

    /// <summary>The last chunk was read and the chunk table checked.</summary>
    End,
}

/// <summary>
/// The pipe decoder's parser and its position in the image: file header read or not, the chunk cursor, the RAW
/// payload still to come, and the byte offsets in and out (for error messages and writes). Pure parsing: it reads
/// only the buffer it is given and never waits.
/// </summary>
internal sealed class PipeChunkParser
{
    private SparseChunkCursor _cursor;
    private bool _headerRead;

    public SparseHeader Header { get; private set; }

    /// <summary>Bytes of the image consumed so far.</summary>
    public long InputOffset { get; private set; }

    /// <summary>Where the next RAW payload byte goes in the output.</summary>
    public long OutputOffset { get; private set; }

    /// <summary>RAW payload bytes of the current chunk not yet written.</summary>
    public long RawRemaining { get; private set; }

    /// <summary>The output length of the RAW chunk being written.</summary>
    public long CurrentChunkLength { get; private set; }

    public bool IsDone { get; private set; }

    /// <summary>True once the file header has been parsed.</summary>
    public bool HeaderRead => _headerRead;

    private int ChunkIndex => _cursor.ChunksAccepted;

    public void ConsumeRaw(long count)
    {
        RawRemaining -= count;
        InputOffset += count;
        OutputOffset += count;
    }

    /// <summary>
    /// Parses the next header (the file header, or a chunk header with its 4-byte value) from the front of
    /// <paramref name="buffer"/> and slices it off; <see cref="PipeParseResult.NeedMore"/> when the buffer does not
    /// hold all of it yet (nothing is sliced off then).
    /// </summary>
    public PipeParseResult TryParseNext(ref ReadOnlySequence<byte> buffer, out SparseChunk chunk)
    {
        chunk = default;
        if (!_headerRead)
        {
            return TryParseFileHeader(ref buffer) ? PipeParseResult.FileHeader : PipeParseResult.NeedMore;
        }

        if (_cursor.IsComplete)
        {
            _cursor.Complete(InputOffset);
            IsDone = true;
            return PipeParseResult.End;
        }

        int headerSize = Header.ChunkHeaderSize;
        if (buffer.Length < SparseFormat.ChunkHeaderSize)
        {
            return PipeParseResult.NeedMore;
        }

        Span<byte> fields = stackalloc byte[SparseFormat.ChunkHeaderSize];
        CopyFront(buffer, fields);
        var chunkHeader = SparseChunkHeader.Read(fields);

        // Validate on a copy: if the value after the header has not arrived, the chunk is parsed again next time.
        SparseChunkCursor cursor = _cursor;
        chunk = cursor.Accept(chunkHeader, InputOffset);
        bool hasValue = chunk.Type is SparseChunkType.Fill or SparseChunkType.Crc32;
        int needed = headerSize + (hasValue ? SparseFormat.FillOrCrcPayloadSize : 0);
        if (buffer.Length < needed)
        {
            chunk = default;
            return PipeParseResult.NeedMore;
        }

        if (hasValue)
        {
            Span<byte> value = stackalloc byte[SparseFormat.FillOrCrcPayloadSize];
            CopyFront(buffer.Slice(headerSize), value);
            chunk = chunk with { Value = BinaryPrimitives.ReadUInt32LittleEndian(value) };
        }

        _cursor = cursor;
        OutputOffset = chunk.OutputOffset(Header.BlockSize);
        if (chunk.Type == SparseChunkType.Raw)
        {
            RawRemaining = chunk.PayloadLength;
            CurrentChunkLength = chunk.PayloadLength;
        }
        buffer = buffer.Slice(needed);
        InputOffset += needed;
        return PipeParseResult.Chunk;
    }

    /// <summary>Throws the truncation error for an input that ended with only <paramref name="rest"/> left unparsed.</summary>
    public void ThrowTruncated(in ReadOnlySequence<byte> rest)
    {
        long end = InputOffset + rest.Length;
        if (!_headerRead)
        {
            ThrowIfBadMagic(rest);
            SparseThrowHelper.ThrowHeaderTruncated(rest.Length);
        }
        if (RawRemaining > 0)
        {
            SparseThrowHelper.ThrowTruncated(
                $"the input ends inside the RAW payload: {CurrentChunkLength - RawRemaining + rest.Length} of {CurrentChunkLength} bytes are there",
                ChunkIndex - 1,
                end);
        }
        if (rest.IsEmpty)
        {
            SparseThrowHelper.ThrowTruncated($"the input ends after {ChunkIndex} chunks but the file header declares {Header.TotalChunks}", ChunkIndex, end);
        }
        SparseThrowHelper.ThrowTruncated($"the input ends inside the chunk header or its value ({rest.Length} bytes of it are there)", ChunkIndex, end);
    }

    private bool TryParseFileHeader(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length >= 4 && !HasMagic(buffer))
        {
            // Wait for enough bytes to say what the input looks like instead (the input's end also triggers the error).
            if (buffer.Length >= DiskImageFormatSniffer.BytesWanted)
            {
                ThrowIfBadMagic(buffer);
            }
            return false;
        }
        if (buffer.Length < SparseFormat.FileHeaderSize)
        {
            return false;
        }

        Span<byte> fields = stackalloc byte[SparseFormat.FileHeaderSize];
        CopyFront(buffer, fields);
        SparseHeader header = SparseHeader.Read(fields);
        if (buffer.Length < header.FileHeaderSize)
        {
            return false;
        }

        Header = header;
        _headerRead = true;
        _cursor = new SparseChunkCursor(header);
        buffer = buffer.Slice(header.FileHeaderSize);
        InputOffset = header.FileHeaderSize;
        return true;
    }

    private static bool HasMagic(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> magic = stackalloc byte[4];
        CopyFront(buffer, magic);
        return SparseHeader.HasMagic(magic);
    }

    private static void ThrowIfBadMagic(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length >= 4 && !HasMagic(buffer))
        {
            byte[] first = buffer.Slice(0, Math.Min(buffer.Length, DiskImageFormatSniffer.BytesWanted)).ToArray();
            SparseThrowHelper.ThrowBadMagic(BinaryPrimitives.ReadUInt32LittleEndian(first), first);
        }
    }

    /// <summary>Copies the first bytes of <paramref name="buffer"/>: straight from the first span when it holds them, else across segments.</summary>
    private static void CopyFront(in ReadOnlySequence<byte> buffer, Span<byte> destination)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= destination.Length)
        {
            first[..destination.Length].CopyTo(destination);
            return;
        }
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryCopyTo(destination))
        {
            throw new InvalidOperationException("The caller checked the length first.");
        }
    }
}
