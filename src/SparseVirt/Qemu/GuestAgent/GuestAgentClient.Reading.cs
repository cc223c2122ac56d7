using System.Buffers;
using System.Text.Json;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>Reading: the agent's replies are lines, like QMP's, read by the same channel; 0xFF resynchronises.</summary>
public sealed partial class GuestAgentClient
{
    private void OnEnded(Exception reason)
    {
        GuestAgentLog.ChannelEnded(_logger, reason);
        _replies.FailAll(() => reason as GuestAgentConnectionClosedException ?? new GuestAgentConnectionClosedException("The guest agent channel ended: " + reason.Message, reason));
    }

    private void Dispatch(ReadOnlySequence<byte> line)
    {
        using (JsonDocument document = QmpWire.ParseObject(line, Protocol))
        {
            JsonElement root = document.RootElement;
            if (root.TryGetProperty("return", out JsonElement value))
            {
                _replies.Deliver(new Reply(value.Clone(), null));
            }
            else if (root.TryGetProperty("error", out JsonElement error))
            {
                _replies.Deliver(new Reply(default, QmpWire.ReadError(error)));
            }
            else
            {
                throw new GuestAgentProtocolException($"A guest agent reply has neither 'return' nor 'error': {QmpWire.Excerpt(line)}");
            }
        }
    }

    private sealed record Reply(JsonElement Value, (string Class, string Description)? Error);
}
