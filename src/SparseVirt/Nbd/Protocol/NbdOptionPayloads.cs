using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.Nbd.Protocol;

/// <summary>The data of <see cref="NbdOption.Info"/> and <see cref="NbdOption.Go"/>: an export name and the items asked for.</summary>
internal sealed record NbdInfoRequest(string ExportName, IReadOnlyList<NbdInfoType> Requested)
{
    /// <summary>Parses the option's data; null when its lengths do not add up (the server answers ERR_INVALID).</summary>
    public static NbdInfoRequest? TryParse(ReadOnlySpan<byte> data)
    {
        // 32-bit name length, name, 16-bit count, count 16-bit items: exactly, nothing after.
        if (!NbdStrings.TryReadString(ref data, out string? name) || data.Length < 2)
        {
            return null;
        }
        int count = BinaryPrimitives.ReadUInt16BigEndian(data);
        data = data[2..];
        if (data.Length != count * 2)
        {
            return null;
        }
        var items = new NbdInfoType[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = (NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(data[(i * 2)..]);
        }
        return new NbdInfoRequest(name, items);
    }
}

/// <summary>The data of the meta context options: an export name and the queries.</summary>
internal sealed record NbdMetaContextRequest(string ExportName, IReadOnlyList<string> Queries)
{
    /// <summary>Parses the option's data; null when its lengths do not add up (the server answers ERR_INVALID).</summary>
    /// <param name="data">The option's data, already bounded by the server's option size limit.</param>
    public static NbdMetaContextRequest? TryParse(ReadOnlySpan<byte> data)
    {
        if (!NbdStrings.TryReadString(ref data, out string? name) || data.Length < 4)
        {
            return null;
        }
        uint count = BinaryPrimitives.ReadUInt32BigEndian(data);
        data = data[4..];
        // Each query takes at least its four length bytes, so a count larger than that is a lie, caught before any list is sized by it.
        if (count > (uint)data.Length / 4)
        {
            return null;
        }
        var queries = new List<string>((int)count);
        for (uint i = 0; i < count; i++)
        {
            if (!NbdStrings.TryReadString(ref data, out string? query))
            {
                return null;
            }
            queries.Add(query);
        }
        return data.IsEmpty ? new NbdMetaContextRequest(name, queries) : null;
    }
}

/// <summary>The protocol's strings: UTF-8, no NUL, at most 4096 bytes, preceded by a 32-bit length where one is needed.</summary>
internal static class NbdStrings
{
    /// <summary>The longest string (export name, query, message) the protocol allows.</summary>
    public const int MaxBytes = 4096;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a 32-bit length and that many bytes of string from the front of <paramref name="data"/>.</summary>
    public static bool TryReadString(ref ReadOnlySpan<byte> data, out string value)
    {
        value = "";
        if (data.Length < 4)
        {
            return false;
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (length > (uint)(data.Length - 4))
        {
            return false;
        }
        if (!TryDecode(data.Slice(4, (int)length), out value))
        {
            return false;
        }
        data = data[(4 + (int)length)..];
        return true;
    }

    /// <summary>Decodes a whole field as a protocol string.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string value)
    {
        value = "";
        if (bytes.Length > MaxBytes || bytes.Contains((byte)0))
        {
            return false;
        }
        try
        {
            value = s_strictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The UTF-8 length of <paramref name="value"/>.</summary>
    public static int ByteCount(string value) => Encoding.UTF8.GetByteCount(value);
}
