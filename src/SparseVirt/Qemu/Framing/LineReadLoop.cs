using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Qemu.Framing;

/// <summary>
/// The I/O half of line framing: reads a <see cref="PipeReader"/> until it completes or a pending read is cancelled,
/// hands each line <see cref="BoundedLineFramer"/> frames to <see cref="ILineConsumer"/>, and advances past what was
/// consumed while marking everything as examined, so the next read waits for new bytes.
/// </summary>
internal static class LineReadLoop
{
    /// <summary>
    /// Runs until the end of the stream (or a cancelled pending read). Exceptions from the reader or the consumer
    /// propagate; the remainder after the last line feed is handed to <see cref="ILineConsumer.OnEnd"/> either way
    /// but an exception.
    /// </summary>
    public static async Task RunAsync(PipeReader reader, int maxLineBytes, ILineConsumer consumer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            var lines = new SequenceReader<byte>(buffer);
            try
            {
                while (consumer.SkipPastDelimiter is not { } delimiter || BoundedLineFramer.TrySkipPastDelimiter(ref lines, delimiter))
                {
                    if (consumer.SkipPastDelimiter is not null)
                    {
                        consumer.OnDelimiter();
                    }
                    if (!BoundedLineFramer.TryReadLine(ref lines, maxLineBytes, out ReadOnlySequence<byte> line, out bool isPiece))
                    {
                        break;
                    }
                    consumer.OnLine(line, isPiece);
                }
                ReadOnlySequence<byte> rest = lines.UnreadSequence;
                if (result.IsCompleted || result.IsCanceled)
                {
                    consumer.OnEnd(rest, result.IsCanceled);
                    reader.AdvanceTo(buffer.End);
                    return;
                }
                consumer.OnPartial(rest);
            }
            catch
            {
                reader.AdvanceTo(buffer.End);
                throw;
            }
            reader.AdvanceTo(lines.Position, buffer.End);
        }
    }
}

/// <summary>What a <see cref="LineReadLoop"/> feeds its lines to. Called on the loop's thread, one call at a time.</summary>
internal interface ILineConsumer
{
    /// <summary>A complete line (without its line feed), or a <paramref name="isPiece"/> of a line longer than the limit.</summary>
    void OnLine(ReadOnlySequence<byte> line, bool isPiece);

    /// <summary>
    /// A byte to skip the stream up to (and past) before the next line, or <see langword="null"/> to read lines as they
    /// come: the guest agent's resynchronisation, where whatever precedes the 0xFF is stale.
    /// </summary>
    byte? SkipPastDelimiter => null;

    /// <summary>The delimiter of <see cref="SkipPastDelimiter"/> was passed.</summary>
    void OnDelimiter()
    {
    }

    /// <summary>The bytes after the last line feed so far, after each read; a line in the making.</summary>
    void OnPartial(ReadOnlySequence<byte> rest);

    /// <summary>The stream ended (or the read was <paramref name="canceled"/>); <paramref name="rest"/> never got its line feed.</summary>
    void OnEnd(ReadOnlySequence<byte> rest, bool canceled);
}
