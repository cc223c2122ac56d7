using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace SparseVirt.Tests.Nbd;

/// <summary>A hand-driven NBD client on a raw socket, for sending what real clients never would.</summary>
internal sealed class RawNbdClient : IDisposable
{
    public const ulong OptionMagic = 0x49484156454F5054;
    public const uint RequestMagic = 0x25609513;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawNbdClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _stream.ReadTimeout = 10_000;
    }

    public static RawNbdClient ConnectUnix(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new RawNbdClient(socket);
    }

    /// <summary>Reads the greeting and answers with <paramref name="clientFlags"/>; returns the handshake flags.</summary>
    public ushort Handshake(uint clientFlags = 3)
    {
        byte[] greeting = ReadExactly(18);
        Assert.That(BinaryPrimitives.ReadUInt64BigEndian(greeting), Is.EqualTo(0x4e42444d41474943UL), "NBDMAGIC");
        Assert.That(BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)), Is.EqualTo(OptionMagic), "IHAVEOPT");
        WriteUInt32(clientFlags);
        return BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
    }

    public void SendOption(uint option, byte[]? data = null, uint? claimedLength = null, ulong magic = OptionMagic)
    {
        data ??= [];
        // One write: a server that closes on a bad header must not make the rest of the message fail to send.
        byte[] message = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, magic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), claimedLength ?? (uint)data.Length);
        data.CopyTo(message, 16);
        _stream.Write(message);
    }

    /// <summary>One option reply: (option, reply type, data).</summary>
    public (uint Option, uint Type, byte[] Data) ReadOptionReply()
    {
        byte[] header = ReadExactly(20);
        Assert.That(BinaryPrimitives.ReadUInt64BigEndian(header), Is.EqualTo(0x3e889045565a9UL), "option reply magic");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        Assert.That(length, Is.LessThan(1 << 20));
        return (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)), BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)), ReadExactly((int)length));
    }

    public static byte[] NameAndInfos(string name, params ushort[] infos)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] data = new byte[4 + nameBytes.Length + 2 + (2 * infos.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)nameBytes.Length);
        nameBytes.CopyTo(data, 4);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4 + nameBytes.Length), (ushort)infos.Length);
        for (int i = 0; i < infos.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(6 + nameBytes.Length + (2 * i)), infos[i]);
        }
        return data;
    }

    public static byte[] MetaContextQuery(string name, params string[] queries)
    {
        var bytes = new List<byte>();
        void AddString(string s)
        {
            byte[] b = Encoding.UTF8.GetBytes(s);
            byte[] len = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(len, (uint)b.Length);
            bytes.AddRange(len);
            bytes.AddRange(b);
        }
        AddString(name);
        byte[] count = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, (uint)queries.Length);
        bytes.AddRange(count);
        foreach (string q in queries)
        {
            AddString(q);
        }
        return bytes.ToArray();
    }

    /// <summary>Negotiates structured replies (and base:allocation) and GOes to <paramref name="name"/>; returns (size, flags).</summary>
    public (ulong Size, ushort Flags) Go(string name = "", bool structured = true, bool blockStatus = true)
    {
        if (structured)
        {
            SendOption(8);
            Assert.That(ReadOptionReply().Type, Is.EqualTo(1u), "structured replies acknowledged");
            if (blockStatus)
            {
                SendOption(10, MetaContextQuery(name, "base:allocation"));
                Assert.That(ReadOptionReply().Type, Is.EqualTo(4u), "base:allocation selected");
                Assert.That(ReadOptionReply().Type, Is.EqualTo(1u));
            }
        }
        SendOption(7, NameAndInfos(name, 3));
        ulong size = 0;
        ushort flags = 0;
        while (true)
        {
            (uint _, uint type, byte[] data) = ReadOptionReply();
            if (type == 1)
            {
                return (size, flags);
            }
            Assert.That(type, Is.EqualTo(3u), "INFO replies, then ACK");
            if (BinaryPrimitives.ReadUInt16BigEndian(data) == 0)
            {
                size = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2));
                flags = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10));
            }
        }
    }

    public void SendRequest(ushort command, ulong offset, uint length, ulong cookie = 1, ushort flags = 0, byte[]? payload = null, uint magic = RequestMagic)
    {
        byte[] header = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), command);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), length);
        _stream.Write(header);
        if (payload is not null)
        {
            _stream.Write(payload);
        }
    }

    /// <summary>One reply message: a simple reply (magic, error, cookie) or a structured chunk (with type, flags and payload).</summary>
    public NbdReplyMessage ReadReply()
    {
        byte[] head = ReadExactly(16);
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(head);
        if (magic == 0x67446698)
        {
            return new NbdReplyMessage(false, BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(8)), 0, 0, []);
        }
        Assert.That(magic, Is.EqualTo(0x668e33efu), "structured reply magic");
        byte[] rest = ReadExactly(4);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(rest);
        Assert.That(length, Is.LessThanOrEqualTo(33u << 20));
        byte[] payload = ReadExactly((int)length);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(4));
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(6));
        uint error = (type & 0x8000) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(payload) : 0;
        return new NbdReplyMessage(true, error, BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(8)), type, flags, payload);
    }

    public byte[] ReadExactly(int count)
    {
        byte[] buffer = new byte[count];
        _stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>True when the server closed the connection (reading returns end of stream or a reset).</summary>
    public bool IsClosedByServer()
    {
        try
        {
            byte[] one = new byte[1];
            return _stream.Read(one) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void WriteRaw(byte[] bytes) => _stream.Write(bytes);

    public void Dispose() => _stream.Dispose();

    private void WriteUInt32(uint value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _stream.Write(b);
    }
}

internal sealed record NbdReplyMessage(bool Structured, uint Error, ulong Cookie, ushort Type, ushort Flags, byte[] Payload)
{
    public bool Done => !Structured || (Flags & 1) != 0;
}
