using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using SparseVirt.Qemu.Framing;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The wire format QMP and the guest agent share: one JSON object per line, <c>execute</c> requests, <c>error</c> replies.</summary>
internal static class QmpWire
{
    /// <summary>Parses one message; <paramref name="protocol"/> names the peer in errors and makes them.</summary>
    /// <exception cref="QemuProtocolException">The message is not valid UTF-8, or not a JSON object.</exception>
    public static JsonDocument ParseObject(ReadOnlySequence<byte> message, JsonLineProtocol protocol)
    {
        string peer = protocol.Peer;
        // The JSON parser leaves string contents unchecked until they are read, so invalid UTF-8 would reach callers
        // as an InvalidOperationException from GetString(); reject the message here, naming where it goes wrong.
        ReadOnlySpan<byte> bytes = message.IsSingleSegment ? message.FirstSpan : message.ToArray();
        if (!Utf8.IsValid(bytes))
        {
            throw protocol.ProtocolError($"A {peer} message is not valid UTF-8 (from byte {Utf8ValidPrefixLength(bytes)}): {Excerpt(message)}");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException e)
        {
            throw protocol.ProtocolError($"A {peer} message is not valid JSON ({e.Message}): {Excerpt(message)}", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            JsonValueKind kind = document.RootElement.ValueKind;
            document.Dispose();
            throw protocol.ProtocolError($"A {peer} message is a JSON {kind}, not an object: {Excerpt(message)}");
        }
        return document;
    }

    /// <summary>A command's reply as <typeparamref name="TValue"/>; a reply of another shape is a protocol error naming the command.</summary>
    public static TValue Deserialize<TValue>(string command, JsonElement reply, JsonTypeInfo<TValue> typeInfo, JsonLineProtocol protocol)
    {
        try
        {
            return reply.Deserialize(typeInfo) ?? throw protocol.ProtocolError($"The reply of '{command}' is null.");
        }
        catch (JsonException e)
        {
            throw protocol.ProtocolError($"The reply of '{command}' has an unexpected shape: {e.Message}", e);
        }
    }

    /// <summary>The class and description of an <c>error</c> member (empty when missing).</summary>
    public static (string Class, string Description) ReadError(JsonElement error) =>
        (StringMember(error, "class"), StringMember(error, "desc"));

    /// <summary>An <c>execute</c> request line: the command, its arguments when any, and an id when given.</summary>
    public static byte[] BuildRequest(string command, long? id, Action<Utf8JsonWriter>? writeArguments)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("execute", command);
            if (writeArguments is not null)
            {
                writer.WritePropertyName("arguments");
                writeArguments(writer);
            }
            if (id is { } value)
            {
                writer.WriteNumber("id", value);
            }
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The start of a message, for error texts.</summary>
    public static string Excerpt(ReadOnlySequence<byte> message)
    {
        const int Limit = 200;
        string text = Encoding.UTF8.GetString(message.Slice(0, Math.Min(message.Length, Limit)));
        return message.Length > Limit ? text + "..." : text;
    }

    private static string StringMember(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static int Utf8ValidPrefixLength(ReadOnlySpan<byte> bytes)
    {
        OperationStatus status = Utf8.ToUtf16(bytes, new char[bytes.Length], out int read, out _, replaceInvalidSequences: false);
        return status == OperationStatus.Done ? bytes.Length : read;
    }
}
