using System.Buffers;
using System.Text;
using System.Text.Json;
using SparseVirt.Qemu.Framing;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Reading: the read loop, and dispatching each message to the greeting, a pending command or the events.</summary>
public sealed partial class QmpClient
{
    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        var consumer = new MessageConsumer(this);
        Exception? reason = null;
        try
        {
            await LineReadLoop.RunAsync(_reader, _options.MaxMessageBytes, consumer, _lifetimeToken).ConfigureAwait(false);
            reason = consumer.EndReason;
        }
        catch (OperationCanceledException) when (_lifetimeToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Whatever ends the loop must end the connection too, or every caller would wait for its timeout.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = e;
        }
        Close(reason ?? new QmpConnectionClosedException("The QMP connection was closed by the peer."));
    }

    private void Dispatch(ReadOnlySequence<byte> message)
    {
        using (JsonDocument document = QmpWire.ParseObject(message, "QMP"))
        {
            JsonElement root = document.RootElement;
            if (root.TryGetProperty("event", out JsonElement name) && name.ValueKind == JsonValueKind.String)
            {
                // Even before the greeting: a peer may emit an event first, and it must not be lost.
                DeliverEvent(new QmpEvent(name.GetString()!, root.TryGetProperty("data", out JsonElement data) ? data.Clone() : default, ParseTimestamp(root)));
            }
            else if (!_greeting.Task.IsCompleted)
            {
                _greeting.TrySetResult(ParseGreeting(root, message));
            }
            else if (root.TryGetProperty("return", out JsonElement value))
            {
                if (TakePending(root) is { } pending)
                {
                    pending.Reply.TrySetResult(value.Clone());
                }
            }
            else if (root.TryGetProperty("error", out JsonElement error))
            {
                (string errorClass, string description) = QmpWire.ReadError(error);
                if (!root.TryGetProperty("id", out _))
                {
                    QmpLog.UncorrelatedError(_logger, errorClass, description);
                }
                else if (TakePending(root) is { } pending)
                {
                    pending.Reply.TrySetException(new QmpErrorException(pending.Command, errorClass, description));
                }
            }
        }
    }

    private static QmpGreeting ParseGreeting(JsonElement root, ReadOnlySequence<byte> message)
    {
        if (!root.TryGetProperty("QMP", out JsonElement body) || body.ValueKind != JsonValueKind.Object)
        {
            throw new QmpProtocolException($"Expected the QMP greeting ({{\"QMP\": ...}}) first, got: {QmpWire.Excerpt(message)}");
        }
        QmpGreeting greeting;
        try
        {
            greeting = body.Deserialize(QmpJsonContext.Default.QmpGreeting) ?? new QmpGreeting();
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"The QMP greeting has an unexpected shape ({e.Message}): {QmpWire.Excerpt(message)}", e);
        }
        // A server may leave out members (older or non-QEMU peers); be liberal, as the specification asks.
        return greeting with { Capabilities = greeting.Capabilities ?? [], Version = (greeting.Version ?? new QmpVersionInfo()).WithMissingMembersDefaulted() };
    }

    private static DateTimeOffset? ParseTimestamp(JsonElement root)
    {
        // The last whole second DateTimeOffset can represent (9999-12-31T23:59:59Z) less one, so adding microseconds stays in range.
        const long MaxUnixSeconds = 253_402_300_798;
        if (root.TryGetProperty("timestamp", out JsonElement timestamp)
            && timestamp.ValueKind == JsonValueKind.Object
            // TryGetInt64 throws for a member that is not a number, so the kind is checked first.
            && timestamp.TryGetProperty("seconds", out JsonElement seconds) && seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt64(out long s)
            && timestamp.TryGetProperty("microseconds", out JsonElement microseconds) && microseconds.ValueKind == JsonValueKind.Number && microseconds.TryGetInt64(out long us)
            && s >= 0 && s <= MaxUnixSeconds && us is >= 0 and < 1_000_000)
        {
            // QEMU sends -1 for both when it could not read the host clock; values DateTimeOffset cannot hold are
            // treated the same way, so a wild timestamp cannot throw out of the read loop.
            return DateTimeOffset.FromUnixTimeSeconds(s).AddTicks(us * TimeSpan.TicksPerMicrosecond);
        }
        return null;
    }

    private PendingCommand? TakePending(JsonElement root)
    {
        if (root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long value)
            && _pending.TryRemove(value, out PendingCommand? pending))
        {
            return pending;
        }
        // The specification asks clients to drop replies they cannot match (e.g. of a command that timed out).
        QmpLog.UnmatchedReply(_logger, root.TryGetProperty("id", out JsonElement raw) ? raw.GetRawText() : "(none)");
        return null;
    }

    /// <summary>QEMU ends every JSON object with CRLF: a message is a line; blank lines are skipped.</summary>
    private sealed class MessageConsumer(QmpClient client) : ILineConsumer
    {
        public Exception? EndReason { get; private set; }

        public void OnLine(ReadOnlySequence<byte> line, bool isPiece)
        {
            if (isPiece)
            {
                int limit = client._options.MaxMessageBytes;
                throw new QmpProtocolException($"A QMP message exceeds the limit of {limit} bytes (no line end within {limit + 1} bytes).");
            }
            if (!BoundedLineFramer.IsBlank(line))
            {
                client.Dispatch(line);
            }
        }

        public void OnPartial(ReadOnlySequence<byte> rest)
        {
        }

        public void OnEnd(ReadOnlySequence<byte> rest, bool canceled)
        {
            if (!canceled && !BoundedLineFramer.IsBlank(rest))
            {
                EndReason = new QmpConnectionClosedException($"The QMP connection closed in the middle of a message ({rest.Length} bytes without a line end).");
            }
        }
    }
}
