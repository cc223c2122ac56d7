using System.Buffers;
using System.Buffers.Binary;

namespace SparseVirt.Sparse;

/// <summary>
/// The pipeline decoder's position in the image: file header read or not, the chunk validator, the RAW payload
/// still to come, and the byte offsets in and out (for error messages and writes).
/// </summary>
internal sealed class PipeDecoderState
{
    private SparseChunkCursor _validator;
    private bool _headerRead;

    public SparseHeader Header { get; private set; }

    public ExpansionChecksum? Checksum { get; private set; }

    /// <summary>Bytes of the image consumed so far.</summary>
    public long InputOffset { get; private set; }

    /// <summary>Where the next RAW payload byte goes in the output.</summary>
    public long OutputOffset { get; private set; }

    /// <summary>RAW payload bytes of the current chunk not yet written.</summary>
    public long RawRemaining { get; private set; }

    /// <summary>The output length of the RAW chunk being written.</summary>
    public long CurrentChunkLength { get; private set; }

    public bool IsDone { get; private set; }

    private int ChunkIndex => _validator.ChunksAccepted;

    public void ConsumeRaw(long count)
    {
        RawRemaining -= count;
        InputOffset += count;
        OutputOffset += count;
    }

    /// <summary>
    /// Parses the next header (the file header, or a chunk header with its 4-byte value) from the front of
    /// <paramref name="buffer"/> and slices it off. False when the buffer does not hold all of it yet.
    /// </summary>
    public bool TryParseNext(ref ReadOnlySequence<byte> buffer, ExpansionRun run, out PipeChunkAction action)
    {
        if (!_headerRead)
        {
            return TryParseFileHeader(ref buffer, run, out action);
        }

        if (_validator.IsComplete)
        {
            _validator.Complete(InputOffset);
            IsDone = true;
            action = new PipeChunkAction(PipeChunkActionKind.End, default, OutputOffset);
            return true;
        }

        int headerSize = Header.ChunkHeaderSize;
        if (buffer.Length < SparseFormat.ChunkHeaderSize)
        {
            action = default;
            return false;
        }

        Span<byte> fields = stackalloc byte[SparseFormat.ChunkHeaderSize];
        CopyFront(buffer, fields);
        var chunkHeader = SparseChunkHeader.Read(fields);

        // Validate on a copy: if the value after the header has not arrived, the chunk is parsed again next time.
        SparseChunkCursor validator = _validator;
        SparseChunk chunk = validator.Accept(chunkHeader, InputOffset);
        bool hasValue = chunk.Type is SparseChunkType.Fill or SparseChunkType.Crc32;
        int needed = headerSize + (hasValue ? SparseFormat.FillOrCrcPayloadSize : 0);
        if (buffer.Length < needed)
        {
            action = default;
            return false;
        }

        if (hasValue)
        {
            Span<byte> value = stackalloc byte[SparseFormat.FillOrCrcPayloadSize];
            CopyFront(buffer.Slice(headerSize), value);
            chunk = chunk with { Value = BinaryPrimitives.ReadUInt32LittleEndian(value) };
        }

        _validator = validator;
        long outputOffset = chunk.OutputOffset(Header.BlockSize);
        OutputOffset = outputOffset;
        PipeChunkActionKind kind;
        switch (chunk.Type)
        {
            case SparseChunkType.Raw:
                kind = PipeChunkActionKind.Raw;
                RawRemaining = chunk.PayloadLength;
                CurrentChunkLength = chunk.PayloadLength;
                buffer = buffer.Slice(headerSize);
                InputOffset += headerSize;
                break;
            case SparseChunkType.Fill:
                kind = PipeChunkActionKind.Fill;
                buffer = buffer.Slice(needed);
                InputOffset += needed;
                break;
            case SparseChunkType.DontCare:
                kind = PipeChunkActionKind.DontCare;
                buffer = buffer.Slice(needed);
                InputOffset += needed;
                break;
            default:
                kind = PipeChunkActionKind.Crc32;
                buffer = buffer.Slice(needed);
                InputOffset += needed;
                break;
        }
        action = new PipeChunkAction(kind, chunk, outputOffset);
        return true;
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

    private bool TryParseFileHeader(ref ReadOnlySequence<byte> buffer, ExpansionRun run, out PipeChunkAction action)
    {
        action = default;
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
        _validator = new SparseChunkCursor(header);
        Checksum = run.Options.VerifyChecksums ? new ExpansionChecksum() : null;
        buffer = buffer.Slice(header.FileHeaderSize);
        InputOffset = header.FileHeaderSize;
        action = new PipeChunkAction(PipeChunkActionKind.Header, default, 0);
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
