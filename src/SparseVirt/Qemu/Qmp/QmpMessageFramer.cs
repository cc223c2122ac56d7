using System.Buffers;

namespace SparseVirt.Qemu.Qmp;

/// <summary>
/// Splits the byte stream into QMP messages: QEMU ends every JSON object with CRLF (and accepts LF from clients),
/// so a message is everything up to a line feed. The size limit is enforced before a line end is found, so a peer
/// that never sends one cannot make the buffer grow without bound.
/// </summary>
internal static class QmpMessageFramer
{
    /// <summary>Takes the next complete message off the front of <paramref name="buffer"/>, skipping blank lines.</summary>
    /// <exception cref="QmpProtocolException">A message is longer than <paramref name="maxMessageBytes"/>.</exception>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageBytes, out ReadOnlySequence<byte> message)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (buffer.Length > maxMessageBytes)
                {
                    throw new QmpProtocolException($"A QMP message exceeds the limit of {maxMessageBytes} bytes ({buffer.Length} bytes received without a line end).");
                }
                message = default;
                return false;
            }
            if (line.Length > maxMessageBytes)
            {
                throw new QmpProtocolException($"A QMP message of {line.Length} bytes exceeds the limit of {maxMessageBytes} bytes.");
            }
            buffer = buffer.Slice(reader.Position);
            if (!IsBlank(line))
            {
                message = line;
                return true;
            }
        }
    }

    /// <summary>Whether <paramref name="bytes"/> holds only JSON whitespace (so a trailing remainder is not a cut-off message).</summary>
    public static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            foreach (byte value in segment.Span)
            {
                if (value is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
