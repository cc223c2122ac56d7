using System.Buffers;
using System.Text.Json;
using SparseVirt.Qemu.Framing;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>Reading: the agent's replies are lines, like QMP's, framed by the same parser; 0xFF resynchronises.</summary>
public sealed partial class GuestAgentClient
{
    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        Exception reason;
        try
        {
            var consumer = new ReplyConsumer(this);
            await LineReadLoop.RunAsync(_reader, _options.MaxMessageBytes, consumer, _lifetime.Token).ConfigureAwait(false);
            reason = consumer.EndReason ?? new QmpConnectionClosedException("The guest agent channel was closed.");
        }
#pragma warning disable CA1031 // Whatever ends the loop must fail the waiting command, or it would wait for its timeout.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = e;
        }
        GuestAgentLog.ChannelEnded(_logger, reason);
        _replies.FailAll(() => reason as QmpConnectionClosedException ?? new QmpConnectionClosedException("The guest agent channel ended: " + reason.Message, reason));
    }

    private void Dispatch(ReadOnlySequence<byte> line)
    {
        using (JsonDocument document = QmpWire.ParseObject(line, "guest agent"))
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
                throw new QmpProtocolException($"A guest agent reply has neither 'return' nor 'error': {QmpWire.Excerpt(line)}");
            }
        }
    }

    private sealed record Reply(JsonElement Value, (string Class, string Description)? Error);

    private sealed class ReplyConsumer(GuestAgentClient client) : ILineConsumer
    {
        public byte? SkipPastDelimiter => Volatile.Read(ref client._awaitingDelimiter) != 0 ? Delimiter : null;

        public void OnDelimiter() => Volatile.Write(ref client._awaitingDelimiter, 0);

        public void OnLine(ReadOnlySequence<byte> line, bool isPiece)
        {
            if (isPiece)
            {
                throw new QmpProtocolException($"A guest agent reply exceeds the limit of {client._options.MaxMessageBytes} bytes.");
            }
            if (!BoundedLineFramer.IsBlank(line))
            {
                client.Dispatch(line);
            }
        }

        public void OnPartial(ReadOnlySequence<byte> rest)
        {
        }

        /// <summary>Why the channel ended, when it says more than "closed": it closed in the middle of a reply.</summary>
        public QmpConnectionClosedException? EndReason { get; private set; }

        public void OnEnd(ReadOnlySequence<byte> rest, bool canceled)
        {
            if (!canceled && !BoundedLineFramer.IsBlank(rest))
            {
                EndReason = new QmpConnectionClosedException($"The guest agent channel closed in the middle of a reply ({rest.Length} bytes without a line end).");
            }
        }
    }
}
