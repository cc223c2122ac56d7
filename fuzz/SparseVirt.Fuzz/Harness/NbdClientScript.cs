using System.Buffers.Binary;
using System.Text;

namespace SparseVirt.Fuzz.Harness;

/// <summary>
/// Writes what an NBD client sends (fixed newstyle negotiation, then transmission requests), for the nbd-server
/// target's seeds. The numbers are the protocol's (NetworkBlockDevice doc/proto.md), written out here rather than
/// taken from the library, so a seed is an independent statement of the wire format.
/// </summary>
internal sealed class NbdClientScript
{
    public const uint FixedNewstyle = 1, NoZeroes = 2;
    public const uint ExportName = 1, Abort = 2, List = 3, StartTls = 5, Info = 6, Go = 7, StructuredReply = 8, ListMetaContext = 9, SetMetaContext = 10;
    public const ushort Read = 0, Write = 1, Disconnect = 2, Flush = 3, Trim = 4, Cache = 5, WriteZeroes = 6, BlockStatus = 7;
    public const ushort Fua = 1, NoHole = 2, DontFragment = 4, RequestOne = 8, FastZero = 16;
    public const ushort InfoName = 1, InfoDescription = 2, InfoBlockSize = 3;
    private const ulong OptionMagic = 0x49484156454F5054;   // "IHAVEOPT"
    private const uint RequestMagic = 0x25609513;

    private readonly MemoryStream _bytes = new();
    private ulong _cookie;

    public NbdClientScript ClientFlags(uint flags) => U32(flags);

    public NbdClientScript Option(uint option, byte[]? data = null)
    {
        data ??= [];
        U64(OptionMagic).U32(option).U32((uint)data.Length);
        _bytes.Write(data);
        return this;
    }

    /// <summary>INFO or GO: the export name and the information requested.</summary>
    public NbdClientScript InfoOrGo(uint option, string export, params ushort[] infos)
    {
        var data = new NbdClientScript().String(export).U16((ushort)infos.Length);
        foreach (ushort info in infos)
        {
            data.U16(info);
        }
        return Option(option, data.ToArray());
    }

    /// <summary>LIST_META_CONTEXT or SET_META_CONTEXT: the export name and the queries.</summary>
    public NbdClientScript MetaContext(uint option, string export, params string[] queries)
    {
        var data = new NbdClientScript().String(export).U32((uint)queries.Length);
        foreach (string query in queries)
        {
            data.String(query);
        }
        return Option(option, data.ToArray());
    }

    public NbdClientScript Request(ushort command, ulong offset, uint length, ushort flags = 0, byte[]? payload = null)
    {
        U32(RequestMagic).U16(flags).U16(command).U64(++_cookie).U64(offset).U32(length);
        if (payload is not null)
        {
            _bytes.Write(payload);
        }
        return this;
    }

    /// <summary>A write of <paramref name="length"/> patterned bytes.</summary>
    public NbdClientScript WriteRequest(ulong offset, int length, ushort flags = 0) =>
        Request(Write, offset, (uint)length, flags, Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 1)).ToArray());

    public byte[] ToArray() => _bytes.ToArray();

    private NbdClientScript String(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        U32((uint)bytes.Length);
        _bytes.Write(bytes);
        return this;
    }

    private NbdClientScript U16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        _bytes.Write(bytes);
        return this;
    }

    private NbdClientScript U32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        _bytes.Write(bytes);
        return this;
    }

    private NbdClientScript U64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        _bytes.Write(bytes);
        return this;
    }
}
