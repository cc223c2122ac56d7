using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.Nbd.Protocol;

/// <summary>
/// Writes the server's messages into a buffer writer (a pipe): pure formatting, no I/O, so the connection loop decides
/// when to flush and the tests can check bytes without a socket.
/// </summary>
internal static class NbdReplyWriter
{
    /// <summary>The size of a structured reply chunk's header.</summary>
    public const int ChunkHeaderSize = 20;

    /// <summary>The size of a simple reply.</summary>
    public const int SimpleReplySize = 16;

    /// <summary>The longest error message sent in a reply (the field is 16 bits; the protocol caps strings at 4096).</summary>
    private const int MaxMessageBytes = 1024;

    /// <summary>NBDMAGIC, IHAVEOPT and the handshake flags: the server's greeting.</summary>
    public static void WriteGreeting(IBufferWriter<byte> writer, NbdHandshakeFlags flags)
    {
        Span<byte> span = writer.GetSpan(18);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdMagic.InitPassword);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], NbdMagic.OptionRequest);
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], (ushort)flags);
        writer.Advance(18);
    }

    /// <summary>An option reply with <paramref name="data"/> as its payload.</summary>
    public static void WriteOptionReply(IBufferWriter<byte> writer, uint option, NbdOptionReplyType type, ReadOnlySpan<byte> data = default)
    {
        WriteOptionReplyHeader(writer, option, type, data.Length);
        writer.Write(data);
    }

    /// <summary>An error option reply carrying a message for the user.</summary>
    public static void WriteOptionError(IBufferWriter<byte> writer, uint option, NbdOptionReplyType type, string message)
    {
        byte[] text = Encoding.UTF8.GetBytes(Truncate(message));
        WriteOptionReply(writer, option, type, text);
    }

    /// <summary><see cref="NbdOptionReplyType.Server"/>: one export of a list, with its description as the free text.</summary>
    public static void WriteServer(IBufferWriter<byte> writer, uint option, string name, string? description)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] descriptionBytes = Encoding.UTF8.GetBytes(description ?? "");
        WriteOptionReplyHeader(writer, option, NbdOptionReplyType.Server, 4 + nameBytes.Length + descriptionBytes.Length);
        WriteUInt32(writer, (uint)nameBytes.Length);
        writer.Write(nameBytes);
        writer.Write(descriptionBytes);
    }

    /// <summary><see cref="NbdInfoType.Export"/>: the export's size and transmission flags.</summary>
    public static void WriteInfoExport(IBufferWriter<byte> writer, uint option, ulong size, NbdTransmissionFlags flags)
    {
        WriteOptionReplyHeader(writer, option, NbdOptionReplyType.Info, 12);
        Span<byte> span = writer.GetSpan(12);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)NbdInfoType.Export);
        BinaryPrimitives.WriteUInt64BigEndian(span[2..], size);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)flags);
        writer.Advance(12);
    }

    /// <summary><see cref="NbdInfoType.Name"/> or <see cref="NbdInfoType.Description"/>: a string item.</summary>
    public static void WriteInfoString(IBufferWriter<byte> writer, uint option, NbdInfoType type, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteOptionReplyHeader(writer, option, NbdOptionReplyType.Info, 2 + bytes.Length);
        WriteUInt16(writer, (ushort)type);
        writer.Write(bytes);
    }

    /// <summary><see cref="NbdInfoType.BlockSize"/>: minimum, preferred and maximum request sizes.</summary>
    public static void WriteInfoBlockSize(IBufferWriter<byte> writer, uint option, uint minimum, uint preferred, uint maximum)
    {
        WriteOptionReplyHeader(writer, option, NbdOptionReplyType.Info, 14);
        Span<byte> span = writer.GetSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)NbdInfoType.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], minimum);
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], preferred);
        BinaryPrimitives.WriteUInt32BigEndian(span[10..], maximum);
        writer.Advance(14);
    }

    /// <summary><see cref="NbdOptionReplyType.MetaContext"/>: one metadata context and its id.</summary>
    public static void WriteMetaContext(IBufferWriter<byte> writer, uint option, uint contextId, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        WriteOptionReplyHeader(writer, option, NbdOptionReplyType.MetaContext, 4 + bytes.Length);
        WriteUInt32(writer, contextId);
        writer.Write(bytes);
    }

    /// <summary>The answer to <see cref="NbdOption.ExportName"/>: size, flags, and 124 zeros unless the client declined them.</summary>
    public static void WriteExportNameReply(IBufferWriter<byte> writer, ulong size, NbdTransmissionFlags flags, bool sendZeroes)
    {
        int length = 10 + (sendZeroes ? 124 : 0);
        Span<byte> span = writer.GetSpan(length)[..length];
        span.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(span, size);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)flags);
        writer.Advance(length);
    }

    /// <summary>A simple reply's 16-byte header (any read data follows it).</summary>
    public static void WriteSimpleReply(IBufferWriter<byte> writer, ulong cookie, NbdError error)
    {
        Span<byte> span = writer.GetSpan(SimpleReplySize);
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdMagic.SimpleReply);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], cookie);
        writer.Advance(SimpleReplySize);
    }

    /// <summary>A structured reply chunk's 20-byte header (its payload follows it).</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> writer, ulong cookie, NbdReplyFlags flags, NbdReplyChunkType type, uint payloadLength)
    {
        Span<byte> span = writer.GetSpan(ChunkHeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdMagic.StructuredReply);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], payloadLength);
        writer.Advance(ChunkHeaderSize);
    }

    /// <summary>An <see cref="NbdReplyChunkType.OffsetData"/> chunk: <paramref name="data"/> read at <paramref name="offset"/>.</summary>
    public static void WriteOffsetData(IBufferWriter<byte> writer, ulong cookie, bool done, ulong offset, ReadOnlySpan<byte> data)
    {
        // Room for the whole chunk at once: header and data then share one buffer, and go out in one write.
        writer.GetSpan(ChunkHeaderSize + 8 + data.Length);
        WriteChunkHeader(writer, cookie, done ? NbdReplyFlags.Done : NbdReplyFlags.None, NbdReplyChunkType.OffsetData, (uint)(8 + data.Length));
        WriteUInt64(writer, offset);
        writer.Write(data);
    }

    /// <summary>An <see cref="NbdReplyChunkType.OffsetHole"/> chunk: <paramref name="length"/> bytes at <paramref name="offset"/> read as zeros.</summary>
    public static void WriteOffsetHole(IBufferWriter<byte> writer, ulong cookie, bool done, ulong offset, uint length)
    {
        WriteChunkHeader(writer, cookie, done ? NbdReplyFlags.Done : NbdReplyFlags.None, NbdReplyChunkType.OffsetHole, 12);
        Span<byte> span = writer.GetSpan(12);
        BinaryPrimitives.WriteUInt64BigEndian(span, offset);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], length);
        writer.Advance(12);
    }

    /// <summary>The final <see cref="NbdReplyChunkType.None"/> chunk of a successful structured reply.</summary>
    public static void WriteDone(IBufferWriter<byte> writer, ulong cookie) =>
        WriteChunkHeader(writer, cookie, NbdReplyFlags.Done, NbdReplyChunkType.None, 0);

    /// <summary>A final <see cref="NbdReplyChunkType.Error"/> chunk with a message for the user.</summary>
    public static void WriteErrorChunk(IBufferWriter<byte> writer, ulong cookie, NbdError error, string message)
    {
        byte[] text = Encoding.UTF8.GetBytes(Truncate(message));
        WriteChunkHeader(writer, cookie, NbdReplyFlags.Done, NbdReplyChunkType.Error, (uint)(6 + text.Length));
        WriteUInt32(writer, (uint)error);
        WriteUInt16(writer, (ushort)text.Length);
        writer.Write(text);
    }

    /// <summary>
    /// A final <see cref="NbdReplyChunkType.BlockStatus"/> chunk: the context id, then (length, status) pairs.
    /// </summary>
    public static void WriteBlockStatus(IBufferWriter<byte> writer, ulong cookie, uint contextId, ReadOnlySpan<NbdExtentDescriptor> descriptors)
    {
        WriteChunkHeader(writer, cookie, NbdReplyFlags.Done, NbdReplyChunkType.BlockStatus, (uint)(4 + (8 * descriptors.Length)));
        WriteUInt32(writer, contextId);
        foreach (NbdExtentDescriptor descriptor in descriptors)
        {
            Span<byte> span = writer.GetSpan(8);
            BinaryPrimitives.WriteUInt32BigEndian(span, descriptor.Length);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)descriptor.State);
            writer.Advance(8);
        }
    }

    private static void WriteOptionReplyHeader(IBufferWriter<byte> writer, uint option, NbdOptionReplyType type, int length)
    {
        Span<byte> span = writer.GetSpan(20);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdMagic.OptionReply);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], option);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)length);
        writer.Advance(20);
    }

    private static void WriteUInt16(IBufferWriter<byte> writer, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    private static void WriteUInt32(IBufferWriter<byte> writer, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteUInt64(IBufferWriter<byte> writer, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    private static string Truncate(string message) =>
        Encoding.UTF8.GetByteCount(message) <= MaxMessageBytes ? message : message[..Math.Min(message.Length, MaxMessageBytes / 4)];
}

/// <summary>One block status descriptor: a length and its <c>base:allocation</c> state.</summary>
internal readonly record struct NbdExtentDescriptor(uint Length, NbdAllocationState State);
