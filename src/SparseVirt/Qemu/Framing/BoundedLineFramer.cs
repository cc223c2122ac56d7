using System.Buffers;

namespace SparseVirt.Qemu.Framing;

/// <summary>
/// Splits a byte stream into lines ending at a line feed, for every line-based channel QEMU offers: QMP (one JSON
/// object per line), the guest agent, the serial console, and QEMU's own stdout and stderr. Pure parsing in the
/// shape of Kestrel's parsers: it takes what it can from a <see cref="SequenceReader{T}"/> and leaves the rest, the
/// I/O loop (<see cref="LineReadLoop"/>) lives elsewhere. A line is never longer than the limit: the search for the
/// line feed stops at the limit, so a peer that never ends a line cannot make the buffer grow without bound.
/// </summary>
internal static class BoundedLineFramer
{
    private const byte LineFeed = (byte)'\n';

    /// <summary>
    /// Takes the next line off <paramref name="reader"/> (without its line feed; a carriage return before it stays).
    /// When no line feed comes within <paramref name="maxLineBytes"/> bytes, the first <paramref name="maxLineBytes"/>
    /// bytes are taken as a piece of an over-long line (<paramref name="isPiece"/>); the caller decides whether that
    /// is an error (QMP) or a line cut in pieces (console output). Returns <see langword="false"/> when more bytes are needed.
    /// </summary>
    public static bool TryReadLine(ref SequenceReader<byte> reader, int maxLineBytes, out ReadOnlySequence<byte> line, out bool isPiece)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ReadOnlySequence<byte> unread = reader.UnreadSequence;
        // Only the first maxLineBytes + 1 bytes are searched: a line feed further on would end a line that is too long anyway.
        ReadOnlySequence<byte> window = unread.Length > maxLineBytes ? unread.Slice(0, maxLineBytes + 1) : unread;
        if (window.PositionOf(LineFeed) is { } lineFeed)
        {
            line = unread.Slice(0, lineFeed);
            reader.Advance(line.Length + 1);
            isPiece = false;
            return true;
        }
        if (unread.Length > maxLineBytes)
        {
            line = unread.Slice(0, maxLineBytes);
            reader.Advance(maxLineBytes);
            isPiece = true;
            return true;
        }
        line = default;
        isPiece = false;
        return false;
    }

    /// <summary>
    /// Skips everything up to and including <paramref name="delimiter"/> (the guest agent's 0xFF resynchronisation
    /// byte, which never occurs in UTF-8 JSON); returns <see langword="false"/>, having consumed all it saw, when
    /// the delimiter has not arrived yet.
    /// </summary>
    public static bool TrySkipPastDelimiter(ref SequenceReader<byte> reader, byte delimiter)
    {
        if (reader.TryAdvanceTo(delimiter, advancePastDelimiter: true))
        {
            return true;
        }
        reader.AdvanceToEnd();
        return false;
    }

    /// <summary>Whether <paramref name="bytes"/> holds only JSON whitespace (a blank line, or a remainder that is not a cut-off message).</summary>
    public static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><paramref name="line"/> without a carriage return at its end (CR LF line ends).</summary>
    public static ReadOnlySequence<byte> TrimCarriageReturn(ReadOnlySequence<byte> line) =>
        !line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
}
