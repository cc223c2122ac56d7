using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// A small asynchronous NBD client on a raw Unix socket, for load: a thousand of these share the thread pool with the
/// server instead of taking a thread each. Every call takes the caller's token, so a stalled server fails the test.
/// </summary>
internal sealed class AsyncNbdClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private AsyncNbdClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects, retrying while the listen backlog is full (a Unix socket then refuses with EAGAIN).</summary>
    public static async Task<AsyncNbdClient> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return new AsyncNbdClient(socket);
            }
            catch (SocketException) when (attempt < 200)
            {
                socket.Dispose();
                await Task.Delay(25, cancellationToken);
            }
        }
    }

    /// <summary>Reads the greeting and sends the client flags (fixed newstyle, no zeroes).</summary>
    public async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        byte[] greeting = await ReadExactlyAsync(18, cancellationToken);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting) != 0x4e42444d41474943UL)
        {
            throw new InvalidDataException("No NBDMAGIC in the greeting.");
        }
        await WriteAsync(BigEndian(3u), cancellationToken);
    }

    /// <summary>Sends one option (its header may claim a length other than the data's).</summary>
    public async Task SendOptionAsync(uint option, byte[] data, CancellationToken cancellationToken, uint? claimedLength = null)
    {
        byte[] message = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, RawNbdClient.OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), claimedLength ?? (uint)data.Length);
        data.CopyTo(message, 16);
        await WriteAsync(message, cancellationToken);
    }

    /// <summary>One option reply's type (its data is read and dropped).</summary>
    public async Task<uint> ReadOptionReplyTypeAsync(CancellationToken cancellationToken)
    {
        byte[] header = await ReadExactlyAsync(20, cancellationToken);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        if (BinaryPrimitives.ReadUInt64BigEndian(header) != 0x3e889045565a9UL || length > 1 << 20)
        {
            throw new InvalidDataException("Not an option reply.");
        }
        await ReadExactlyAsync((int)length, cancellationToken);
        return BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
    }

    /// <summary>Structured replies, then GO to <paramref name="name"/>; returns the export's size.</summary>
    public async Task<ulong> GoAsync(string name, CancellationToken cancellationToken)
    {
        await SendOptionAsync(8, [], cancellationToken);
        Expect(await ReadOptionReplyTypeAsync(cancellationToken), 1u, "structured replies acknowledged");
        await SendOptionAsync(7, RawNbdClient.NameAndInfos(name), cancellationToken);
        ulong size = 0;
        while (true)
        {
            byte[] header = await ReadExactlyAsync(20, cancellationToken);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            byte[] data = await ReadExactlyAsync((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)), 4096u), cancellationToken);
            if (type == 1)
            {
                return size;
            }
            Expect(type, 3u, "INFO replies, then ACK");
            if (BinaryPrimitives.ReadUInt16BigEndian(data) == 0)
            {
                size = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2));
            }
        }
    }

    public async Task SendRequestAsync(ushort command, ulong offset, uint length, ulong cookie, CancellationToken cancellationToken)
    {
        await WriteAsync(RequestHeader(command, offset, length, cookie), cancellationToken);
    }

    public static byte[] RequestHeader(ushort command, ulong offset, uint length, ulong cookie)
    {
        byte[] header = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(header, RawNbdClient.RequestMagic);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), command);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), length);
        return header;
    }

    /// <summary>
    /// Reads replies until every cookie in <paramref name="reads"/> is done, assembling structured data and hole chunks
    /// into each read's buffer (simple replies just end their cookie); returns the error of each cookie that failed
    /// (empty when none did).
    /// </summary>
    public async Task<Dictionary<ulong, uint>> ReceiveReadsAsync(IReadOnlyDictionary<ulong, (ulong Offset, byte[] Buffer)> reads, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<ulong, uint>();
        var pending = new HashSet<ulong>(reads.Keys);
        while (pending.Count > 0)
        {
            byte[] head = await ReadExactlyAsync(16, cancellationToken);
            if (BinaryPrimitives.ReadUInt32BigEndian(head) == 0x67446698)
            {
                // A simple reply (the server answers writes and other non-reads so).
                ulong simpleCookie = BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(8));
                if (BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4)) is var simpleError and not 0)
                {
                    errors[simpleCookie] = simpleError;
                }
                pending.Remove(simpleCookie);
                continue;
            }
            Expect(BinaryPrimitives.ReadUInt32BigEndian(head), 0x668e33efu, "structured reply magic");
            head = [.. head, .. await ReadExactlyAsync(4, cancellationToken)];
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(4));
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(6));
            ulong cookie = BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(8));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(16));
            if (!reads.TryGetValue(cookie, out (ulong Offset, byte[] Buffer) read) || length > (1u << 20) + 8)
            {
                throw new InvalidDataException($"A reply chunk for cookie {cookie} of {length} bytes, which was not asked for.");
            }
            byte[] payload = await ReadExactlyAsync((int)length, cancellationToken);
            switch (type)
            {
                case 1:
                    ulong dataOffset = BinaryPrimitives.ReadUInt64BigEndian(payload);
                    payload.AsSpan(8).CopyTo(read.Buffer.AsSpan((int)(dataOffset - read.Offset)));
                    break;
                case 2:
                    ulong holeOffset = BinaryPrimitives.ReadUInt64BigEndian(payload);
                    read.Buffer.AsSpan((int)(holeOffset - read.Offset), (int)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(8))).Clear();
                    break;
                case >= 0x8000:
                    errors[cookie] = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    break;
            }
            if ((flags & 1) != 0)
            {
                pending.Remove(cookie);
            }
        }
        return errors;
    }

    /// <summary>Completes when the server closes the connection: a read returns end of stream or fails.</summary>
    public async Task WaitForCloseAsync(CancellationToken cancellationToken) => await CountUntilCloseAsync(cancellationToken);

    /// <summary>Reads until the server closes the connection; returns how many bytes came before the close.</summary>
    public async Task<long> CountUntilCloseAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
        return total;
    }

    public async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken) => await _stream.WriteAsync(bytes, cancellationToken);

    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }

    /// <summary>Closes with a reset (SO_LINGER 0), as a crashing client's kernel would.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();

    public static byte[] BigEndian(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void Expect(uint actual, uint expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"{what}: got 0x{actual:x}, expected 0x{expected:x}.");
        }
    }
}
