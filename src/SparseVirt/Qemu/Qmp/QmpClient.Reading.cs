using System.Buffers;
using System.Text.Json;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Reading: dispatching each message (a line: QEMU ends every JSON object with CRLF) to the greeting, a pending command or the events.</summary>
public sealed partial class QmpClient
{
    private void Dispatch(ReadOnlySequence<byte> message)
    {
        using (JsonDocument document = QmpWire.ParseObject(message, Protocol))
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
                if (TakePending(root) is { } pending)
                {
                    pending.Reply.TrySetException(new QmpErrorException(pending.Command, errorClass, description));
                }
                else if (!WasSent(root))
                {
                    // An error that answers no command this client sent is most likely QEMU failing to parse a request
                    // (it cannot know the id then), whose own reply will never come. As Python's qemu.qmp does, end the
                    // connection: every command waiting fails now rather than at its timeout.
                    string id = root.TryGetProperty("id", out JsonElement raw) ? raw.GetRawText() : "(none)";
                    QmpLog.UncorrelatedError(_logger, id, errorClass, description);
                    throw new QmpProtocolException($"QEMU sent an error that answers no command (id {id}): {errorClass}: {description}");
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
        if (TryGetId(root, out long id) && _pending.TryRemove(id, out PendingCommand? pending))
        {
            return pending;
        }
        if (WasSent(root) || !root.TryGetProperty("error", out _))
        {
            // The specification asks clients to drop replies they cannot match (e.g. of a command that timed out).
            QmpLog.UnmatchedReply(_logger, root.TryGetProperty("id", out JsonElement raw) ? raw.GetRawText() : "(none)");
        }
        return null;
    }

    /// <summary>Whether the message carries the id of a command this client sent, answered or given up since.</summary>
    private bool WasSent(JsonElement root) => TryGetId(root, out long id) && id >= 1 && id <= Volatile.Read(ref _lastId);

    private static bool TryGetId(JsonElement root, out long id)
    {
        id = 0;
        return root.TryGetProperty("id", out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out id);
    }
}
