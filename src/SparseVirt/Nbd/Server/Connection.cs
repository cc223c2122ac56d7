using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SparseVirt.Nbd.Exports;
using SparseVirt.Nbd.Protocol;

namespace SparseVirt.Nbd.Server;

/// <summary>One client: the handshake, then transmission, on pipes over its socket. Whatever it does ends only itself.</summary>
internal sealed class Connection(int id, Socket socket, ExportRegistry exports, NbdServerOptions options, PieceBudget pieces, ILogger logger, CancellationToken stopping)
{
    /// <summary>The socket, so a stopping server can close it when the connection will not end by itself.</summary>
    public Socket Socket => socket;

    public async Task RunAsync()
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        // Zero-byte reads: an idle connection waits for data without holding a 64 KiB buffer (a thousand idle clients
        // would otherwise pin 64 MiB between them).
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            await ServeAsync(id, reader, writer, exports, options, pieces, logger, stopping).ConfigureAwait(false);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs one connection over <paramref name="reader"/> and <paramref name="writer"/> (both completed on return): the
    /// transport-free core, which the fuzzing driver also runs over in-memory pipes. The client breaking the protocol
    /// or going away ends the connection normally; any other exception is a bug and propagates.
    /// </summary>
    public static async Task ServeAsync(int id, PipeReader reader, PipeWriter writer, ExportRegistry exports, NbdServerOptions options, PieceBudget pieces, ILogger logger, CancellationToken stopping)
    {
        using var aborted = new CancellationTokenSource();
        using var negotiationCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted.Token);
        // A client that stalls before choosing an export (one byte a second, or nothing) would hold a connection slot
        // for as long as it likes; the limit frees the slot.
        negotiationCancellation.CancelAfter(options.HandshakeLimit);
        using var replies = new ReplyChannel(writer, aborted);
        bool negotiated = false;
        try
        {
            var negotiation = new Negotiation(reader, writer, exports, id, logger);
            NegotiatedSession? session = await negotiation.RunAsync(negotiationCancellation.Token).ConfigureAwait(false);
            negotiationCancellation.CancelAfter(Timeout.InfiniteTimeSpan);
            negotiated = true;
            if (session is null)
            {
                NbdLog.Ended(logger, id, "the client aborted negotiation");
                return;
            }
            NbdLog.Serving(logger, id, session.Volume.Name, session.Volume.Length, session.StructuredReplies, session.BaseAllocation);
            var context = new ConnectionContext(id, logger, stopping, aborted.Token, options.MaxRequestsInFlight, options.ShutdownTimeout, pieces);
            using var transmission = new Transmission(reader, replies, session, context);
            await transmission.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!negotiated && negotiationCancellation.IsCancellationRequested && !stopping.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            NbdLog.HandshakeTimedOut(logger, id, options.HandshakeLimit);
        }
        catch (NbdProtocolException exception)
        {
            NbdLog.ProtocolViolation(logger, id, exception.Message);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            NbdLog.Ended(logger, id, exception.Message);
        }
        finally
        {
            // Requests still in flight (the connection is ending under them) must not write into the completed pipe.
            await replies.CloseAsync(options.ShutdownTimeout).ConfigureAwait(false);
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                // Whatever was left unsent has nowhere to go.
            }
        }
    }
}
