using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using SparseVirt.Nbd.Exports;
using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Server;

/// <summary>
/// The transmission phase of one connection: reads requests in order and handles up to a limit of them at once, each
/// replying when it is done (so replies go out of order), until the client disconnects or the server stops.
/// </summary>
/// <remarks>
/// Memory is bounded whatever the client sends: a request's buffer is at most <see cref="PieceBytes"/> (a larger
/// write is received and written a piece at a time), at most <c>MaxRequestsInFlight</c> requests hold one, and
/// buffers beyond the connection's first come from the server-wide <see cref="PieceBudget"/>, so clients that stop
/// reading replies cannot together hold more than one piece each plus the shared allowance.
/// </remarks>
internal sealed partial class Transmission : IDisposable
{
    /// <summary>The largest read or write accepted (advertised as the maximum block size), as QEMU's own limit.</summary>
    public const uint MaxPayloadBytes = 32 * 1024 * 1024;

    /// <summary>Reads are produced and sent in pieces of at most this size.</summary>
    public const int PieceBytes = 256 * 1024;

    private readonly PipeReader _reader;
    private readonly ReplyChannel _replies;
    private readonly NegotiatedSession _session;
    private readonly ExportVolume _volume;
    private readonly int _connection;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _aborted;
    private readonly int _maxInFlight;
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _shutdownTimeout;
    private readonly PieceAllowance _pieces;

    public Transmission(PipeReader reader, ReplyChannel replies, NegotiatedSession session, ConnectionContext context)
    {
        _reader = reader;
        _replies = replies;
        _session = session;
        _volume = session.Volume;
        _connection = context.Id;
        _logger = context.Logger;
        _stopping = context.Stopping;
        _aborted = context.Aborted;
        _maxInFlight = context.MaxRequestsInFlight;
        _slots = new SemaphoreSlim(_maxInFlight, _maxInFlight);
        _shutdownTimeout = context.ShutdownTimeout;
        _pieces = new PieceAllowance(context.Pieces);
    }

    /// <summary>Serves requests until the client disconnects, the connection breaks or the server stops.</summary>
    /// <exception cref="NbdProtocolException">The client broke the protocol.</exception>
    public async Task RunAsync()
    {
        using var readCancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping, _aborted);
        try
        {
            while (await ReadHeaderAsync(readCancellation.Token).ConfigureAwait(false) is { } header)
            {
                if (header.Command == NbdCommand.Disconnect)
                {
                    NbdLog.Ended(_logger, _connection, "the client sent NBD_CMD_DISC");
                    break;
                }
                await AcceptAsync(header, readCancellation.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            NbdLog.Ended(_logger, _connection, "the server is stopping");
        }
        finally
        {
            await DrainAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _pieces.Dispose();
    }

    /// <summary>
    /// Takes a slot, reads the request's payload if any, and starts handling it without waiting (a write larger than a
    /// piece is handled here, as its payload arrives).
    /// </summary>
    private async Task AcceptAsync(NbdRequestHeader header, CancellationToken cancellationToken)
    {
        bool hasPayload = header.Command == NbdCommand.Write;
        if (hasPayload && header.Length > MaxPayloadBytes)
        {
            // Its payload would have to be read (gigabytes, perhaps) to find the next header: the connection ends here.
            throw new NbdProtocolException($"A write of {header.Length} bytes at {header.Offset} exceeds the {MaxPayloadBytes}-byte request limit.");
        }
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (hasPayload && header.Length > PieceBytes)
        {
            try
            {
                await WriteInPiecesAsync(header, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
            return;
        }
        byte[]? payload = null;
        bool? piece = null;
        try
        {
            if (hasPayload)
            {
                piece = await _pieces.TakeAsync(cancellationToken).ConfigureAwait(false);
                payload = ArrayPool<byte>.Shared.Rent((int)header.Length);
                await ReadPayloadAsync(payload.AsMemory(0, (int)header.Length), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Release(payload, piece);
            throw;
        }
        _ = HandleAsync(header, payload, piece);
    }

    /// <summary>Handles one request; <paramref name="piece"/> says whether its payload holds a shared piece (null: no payload).</summary>
    private async Task HandleAsync(NbdRequestHeader header, byte[]? payload, bool? piece)
    {
        try
        {
            await DispatchAsync(header, payload).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The reply could not be sent (the client is gone, or the connection is being torn down).
            _replies.Abort();
        }
#pragma warning disable CA1031 // Nothing awaits this task: a failure left unobserved would leave the client waiting for a reply forever.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            NbdLog.RequestCrashed(_logger, _connection, header.Command.ToString(), header.Offset, header.Length, exception);
            _replies.Abort();
        }
        finally
        {
            Release(payload, piece);
        }
    }

    private void Release(byte[]? payload, bool? piece)
    {
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
        if (piece is { } shared)
        {
            _pieces.Return(shared);
        }
        _slots.Release();
    }

    /// <summary>Waits until every request in flight has been answered (taking every slot), or the shutdown timeout passes.</summary>
    private async Task DrainAsync()
    {
        TimeSpan timeout = _stopping.IsCancellationRequested ? _shutdownTimeout : Timeout.InfiniteTimeSpan;
        var deadline = DateTime.UtcNow + timeout;
        for (int i = 0; i < _maxInFlight; i++)
        {
            TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? timeout : deadline - DateTime.UtcNow;
            bool taken;
            try
            {
                taken = await _slots.WaitAsync(left < TimeSpan.Zero ? TimeSpan.Zero : left, _aborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                taken = false;
            }
            if (!taken)
            {
                // The connection is closing regardless; handlers still running find their sends failing.
                _replies.Abort();
                return;
            }
        }
        _slots.Release(_maxInFlight);
    }

    private async ValueTask<NbdRequestHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            var sequence = new SequenceReader<byte>(buffer);
            if (NbdRequestHeader.TryParse(ref sequence, out NbdRequestHeader header))
            {
                _reader.AdvanceTo(sequence.Position);
                return header;
            }
            if (result.IsCompleted)
            {
                NbdLog.Ended(_logger, _connection, buffer.IsEmpty ? "the client closed the connection" : "the client closed the connection inside a request header");
                return null;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, destination.Length);
            buffer.Slice(0, take).CopyTo(destination.Span);
            destination = destination[take..];
            _reader.AdvanceTo(buffer.GetPosition(take));
            if (!destination.IsEmpty && result.IsCompleted)
            {
                throw new EndOfStreamException("The client closed the connection in the middle of a write's data.");
            }
        }
    }
}

/// <summary>What a connection's transmission phase needs from the server.</summary>
internal sealed record ConnectionContext(int Id, ILogger Logger, CancellationToken Stopping, CancellationToken Aborted, int MaxRequestsInFlight, TimeSpan ShutdownTimeout, PieceBudget Pieces);
