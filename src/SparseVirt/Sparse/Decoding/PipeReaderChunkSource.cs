using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>
/// The chunks of one image read front to back from a <see cref="PipeReader"/>: any non-seekable source (a pipe,
/// standard input, a socket, a download). Headers that straddle buffer segments are parsed by
/// <see cref="PipeChunkParser"/>; the RAW mover writes payloads from the pipe's own buffers (one gather write per
/// batch, nothing copied in between). Buffering is bounded: at most one chunk header (64 KiB at the very most) or
/// <see cref="SparsePipeDecoder.RawBatchBytes"/> of RAW payload is held, whatever sizes the image declares.
/// </summary>
/// <remarks>
/// A synchronous expansion reads the pipe too: its stream then reads inline (<see cref="IO.InlineReadStream"/>), so
/// every read completes before it returns and the synchronous core never waits on the thread pool.
/// </remarks>
internal sealed class PipeReaderChunkSource(PipeReader reader, bool ownsReader, ILogger logger) : ChunkSource
{
    private readonly PipeChunkParser _parser = new();
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;
    private bool _completed;

    protected override void Start(ChunkApplier applier)
    {
    }

    protected override async ValueTask<bool> NextPieceAsync(bool async, CancellationToken cancellationToken)
    {
        if (_parser.HeaderRead)
        {
            return false;   // a stream holds one image
        }
        await ParseNextAsync(cancellationToken).ConfigureAwait(false);
        Header = _parser.Header;
        SparseLog.StreamHeader(logger, Header.TotalChunks, Header.TotalBlocks, Header.BlockSize, Header.RawLength);
        return true;
    }

    protected override async ValueTask<bool> NextChunkAsync(bool async, CancellationToken cancellationToken)
    {
        if (await ParseNextAsync(cancellationToken).ConfigureAwait(false) != PipeParseResult.End)
        {
            return true;
        }
        if (!_buffer.IsEmpty)
        {
            SparseLog.StreamTrailingBytes(logger, _buffer.Length, _parser.InputOffset);
        }
        return false;
    }

    protected override async ValueTask MoveRawAsync(SparseChunk chunk, ChunkApplier applier, bool async, CancellationToken cancellationToken)
    {
        while (_parser.RawRemaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long take = Math.Min(_parser.RawRemaining, _buffer.Length);
            if (take == 0 || (take < _parser.RawRemaining && take < SparsePipeDecoder.RawBatchBytes && !_completed))
            {
                await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await applier.WriteRawAsync(_buffer.Slice(0, take), _parser.OutputOffset, async, cancellationToken).ConfigureAwait(false);
            _buffer = _buffer.Slice(take);
            _parser.ConsumeRaw(take);
        }
    }

    protected override ValueTask DisposeCoreAsync()
    {
        if (_holding)
        {
            // Consumed what was used: a caller's reader continues after the image's last chunk.
            reader.AdvanceTo(_buffer.Start);
            _holding = false;
        }
        if (ownsReader)
        {
            reader.Complete();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Parses the next header (file header or chunk), reading until the buffer holds all of it.</summary>
    private async ValueTask<PipeParseResult> ParseNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            PipeParseResult parsed = _parser.TryParseNext(ref _buffer, out SparseChunk chunk);
            if (parsed != PipeParseResult.NeedMore)
            {
                Current = chunk;
                return parsed;
            }
            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Gives back what was consumed, marks the rest examined (so the pipe waits for new data) and reads; at the input's end, the truncation error.</summary>
    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            _parser.ThrowTruncated(_buffer);
        }
        if (_holding)
        {
            reader.AdvanceTo(_buffer.Start, _buffer.End);
            _holding = false;
        }
        ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("Reading the sparse image was canceled.", cancellationToken);
        }
        _buffer = result.Buffer;
        _holding = true;
        _completed = result.IsCompleted;
    }
}
