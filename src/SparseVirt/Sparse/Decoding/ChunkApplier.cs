using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>
/// The one place where chunks become output, whatever the chunks come from (<see cref="ChunkSource"/>): FILL,
/// DONT_CARE and CRC32 chunks are applied here in full, and the running checksum, the statistics and the progress
/// are kept here. A RAW chunk belongs to its source's RAW mover from start to end; a mover that has the bytes in
/// memory hands them to <see cref="WriteRawAsync(ReadOnlyMemory{byte}, long, bool, CancellationToken)"/> (or its
/// gather form), one that copies inside the kernel writes into the destination's file itself.
/// </summary>
internal sealed class ChunkApplier
{
    // IProgress<T> implementations such as Progress<T> post every report: report every 64 MiB and at the end.
    private const long ReportEvery = 64L * 1024 * 1024;

    private readonly bool _verifyChecksums;
    private readonly IProgress<SparseExpandProgress>? _progress;
    private ExpansionChecksum? _checksum;
    private long _totalBytes;
    private long _done;
    private long _lastReported = -1;
    private long _rawBytes;
    private long _fillBytes;
    private long _zeroBytes;
    private long _skippedBytes;
    private int _checksumsVerified;

    /// <param name="destination">Where the output goes.</param>
    /// <param name="options">Checksum verification and logging; the defaults when null.</param>
    /// <param name="progress">Receives how far the expansion has come.</param>
    /// <param name="totalBytes">The output bytes all pieces produce, or -1 until a streamed image's header says.</param>
    public ChunkApplier(RawDestination destination, SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, long totalBytes)
    {
        Destination = destination;
        _verifyChecksums = options?.VerifyChecksums ?? false;
        Logger = options?.Logger ?? NullLogger.Instance;
        _progress = progress;
        _totalBytes = totalBytes;
    }

    public RawDestination Destination { get; }

    public ILogger Logger { get; }

    /// <summary>
    /// The destination's file when RAW data may be copied into it inside the kernel: the destination is a file, and
    /// checksums are not verified (they need every byte in memory). RAW movers ask once, when they are chosen.
    /// </summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle? KernelCopyTarget => _verifyChecksums ? null : Destination.KernelCopyTarget;

    /// <summary>Starts a piece (an image): its checksum starts over and the destination takes its length.</summary>
    public ValueTask BeginPieceAsync(SparseHeader header, int pieceIndex, bool async, CancellationToken cancellationToken)
    {
        if (_totalBytes < 0)
        {
            _totalBytes = header.RawLength;
        }
        _checksum = _verifyChecksums ? new ExpansionChecksum() : null;
        return Destination.BeginPieceAsync(header.RawLength, pieceIndex, async, cancellationToken);
    }

    /// <summary>Applies a validated FILL, DONT_CARE or CRC32 chunk (its value read); a RAW chunk goes to its source's mover.</summary>
    public async ValueTask ApplyAsync(SparseChunk chunk, uint blockSize, bool async, CancellationToken cancellationToken)
    {
        long offset = chunk.OutputOffset(blockSize);
        long length = chunk.OutputLength(blockSize);
        switch (chunk.Type)
        {
            case SparseChunkType.Raw:
                throw new InvalidOperationException("A RAW chunk is moved by its source, not applied.");
            case SparseChunkType.Fill:
                await Destination.FillAsync(chunk.FillValue, offset, length, async, cancellationToken).ConfigureAwait(false);
                AppendFill(chunk.FillValue, length, cancellationToken);
                if (chunk.FillValue == 0)
                {
                    _zeroBytes += length;
                }
                else
                {
                    _fillBytes += length;
                }
                break;
            case SparseChunkType.DontCare:
                await Destination.SkipAsync(offset, length, async, cancellationToken).ConfigureAwait(false);
                _checksum?.AppendRepeated(PatternBuffers.Zeros.Span, length, cancellationToken);
                _skippedBytes += length;
                break;
            case SparseChunkType.Crc32:
                if (_checksum is not null)
                {
                    _checksum.Verify(chunk.Crc32, chunk.Index, chunk.HeaderOffset);
                    _checksumsVerified++;
                }
                break;
        }
        Advance(length);
    }

    /// <summary>Writes RAW bytes (checksummed first when verifying).</summary>
    public ValueTask WriteRawAsync(ReadOnlyMemory<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        _checksum?.Append(data.Span);
        return Destination.WriteAsync(data, offset, async, cancellationToken);
    }

    /// <summary>Writes RAW bytes held in several buffers as one range (a gather write into a file).</summary>
    public ValueTask WriteRawAsync(System.Buffers.ReadOnlySequence<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        _checksum?.Append(data);
        return Destination.WriteAsync(data, offset, async, cancellationToken);
    }

    /// <summary>A RAW chunk of <paramref name="length"/> output bytes is fully written.</summary>
    public void EndRawChunk(long length)
    {
        _rawBytes += length;
        Advance(length);
    }

    /// <summary>Ends a piece: checks the header's image checksum when verifying and the image records one.</summary>
    public void EndPiece(SparseHeader header)
    {
        if (_checksum is not null && header.ImageChecksum != 0)
        {
            _checksum.Verify(header.ImageChecksum, null, 24);
            _checksumsVerified++;
        }
    }

    /// <summary>Ends the expansion: the output ends at <paramref name="rawLength"/>; the last progress report and the summary log line.</summary>
    public async ValueTask FinishAsync(long rawLength, bool async, CancellationToken cancellationToken)
    {
        await Destination.CompleteAsync(rawLength, async, cancellationToken).ConfigureAwait(false);
        if (_progress is not null && _lastReported != _done)
        {
            Report();
        }
        SparseLog.Expanded(Logger, rawLength, _rawBytes, _fillBytes, _zeroBytes, _skippedBytes, _checksumsVerified);
    }

    private void AppendFill(uint pattern, long length, CancellationToken cancellationToken)
    {
        if (_checksum is null)
        {
            return;
        }
        if (pattern == 0)
        {
            _checksum.AppendRepeated(PatternBuffers.Zeros.Span, length, cancellationToken);
            return;
        }
        ArraySegment<byte> patternBuffer = PatternBuffers.RentFilled(pattern, length);
        try
        {
            _checksum.AppendRepeated(patternBuffer, length, cancellationToken);
        }
        finally
        {
            PatternBuffers.Return(patternBuffer);
        }
    }

    private void Advance(long bytes)
    {
        _done += bytes;
        if (_progress is not null && _done - _lastReported >= ReportEvery)
        {
            Report();
        }
    }

    private void Report()
    {
        _lastReported = _done;
        _progress!.Report(new SparseExpandProgress(_done, _totalBytes));
    }
}
