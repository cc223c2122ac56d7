using System.Collections.Concurrent;

namespace SparseVirt.Tests.Nbd;

/// <summary>What a hostile load saw: how many well-behaved clients and reads were checked, and what went wrong.</summary>
internal sealed record HostileLoadReport(int GoodClients, int ReadsVerified, int HostileAnswers, int PeakConcurrentGood, IReadOnlyList<string> Failures);

/// <summary>
/// Everything at once against one NBD export on a Unix socket: well-behaved clients (structured replies, GO) that
/// all connect, wait until every one of them is connected, then read random ranges and compare them with the expected
/// bytes; alongside them clients that trickle one byte a second (in the handshake and inside a request), clients
/// that send 16 maximal reads and never read a reply, options of almost 4 GiB, request lengths of 4 GiB - 1, and
/// abrupt disconnects. The trickling and non-reading clients (the holders) stay until the server closes them.
/// </summary>
internal sealed class HostileLoad(string socketPath, string exportName, byte[] expected, CancellationToken cancellationToken)
{
    public const int ReadsPerClient = 4;
    private const int MaxReadBytes = 32 * 1024;
    private const uint EInval = 22;

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly List<Task> _holders = [];
    private readonly List<AsyncNbdClient> _holderClients = [];
    private int _readsVerified;
    private int _hostileAnswers;
    private int _connectedGood;
    private int _peakGood;

    /// <summary>Connects the holders: they trickle or sit on unread replies until the server closes them.</summary>
    public async Task StartHoldersAsync(int slowHandshakes, int slowRequests, int nonReaders)
    {
        for (int i = 0; i < slowHandshakes; i++)
        {
            AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(socketPath, cancellationToken);
            await client.ReadExactlyAsync(18, cancellationToken);
            // Client flags, then a GO option header, one byte a second: never finished within the test.
            byte[] trickle = [.. AsyncNbdClient.BigEndian(3u), .. new byte[16]];
            _holders.Add(Hold(client, trickle));
        }
        for (int i = 0; i < slowRequests; i++)
        {
            AsyncNbdClient client = await NegotiatedAsync();
            _holders.Add(Hold(client, AsyncNbdClient.RequestHeader(0, 0, 4096, 1)));
        }
        for (int i = 0; i < nonReaders; i++)
        {
            AsyncNbdClient client = await NegotiatedAsync();
            for (ulong cookie = 0; cookie < 16; cookie++)
            {
                // The largest read the server takes (32 MiB), never collected: its replies back up into the server.
                await client.SendRequestAsync(0, 0, (uint)Math.Min(expected.Length, 32 << 20), cookie, cancellationToken);
            }
            _holderClients.Add(client);
        }
    }

    /// <summary>Runs the well-behaved clients and the one-shot hostile ones together, until every one has finished.</summary>
    public async Task<HostileLoadReport> RunAsync(int goodClients, int hostileEach)
    {
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new List<Task>();
        for (int i = 0; i < goodClients; i++)
        {
            tasks.Add(Guard($"good client {i}", () => GoodClientAsync(i, goodClients, allConnected)));
        }
        for (int i = 0; i < hostileEach; i++)
        {
            tasks.Add(Guard($"absurd option {i}", AbsurdOptionAsync));
            tasks.Add(Guard($"huge lengths {i}", HugeLengthsAsync));
            tasks.Add(Guard($"abrupt disconnect {i}", () => AbruptDisconnectAsync(i)));
        }
        await Task.WhenAll(tasks);
        return new HostileLoadReport(goodClients, _readsVerified, _hostileAnswers, _peakGood, _failures.ToArray());
    }

    /// <summary>Completes when the server has closed every holder; the caller bounds it with a timeout.</summary>
    public async Task HoldersClosedAsync()
    {
        var closes = _holderClients.Select(c => c.WaitForCloseAsync(cancellationToken)).ToList();
        await Task.WhenAll(closes.Concat(_holders));
        _holderClients.ForEach(c => c.Dispose());
    }

    public int HolderCount => _holders.Count + _holderClients.Count;

    private async Task GoodClientAsync(int index, int total, TaskCompletionSource allConnected)
    {
        using AsyncNbdClient client = await NegotiatedAsync();
        int connected = Interlocked.Increment(ref _connectedGood);
        InterlockedMax(ref _peakGood, connected);
        if (connected == total)
        {
            allConnected.TrySetResult();
        }
        // All of them open at once before any reads: the server holds every connection together.
        await allConnected.Task.WaitAsync(cancellationToken);
        var random = new Random(index);
        var reads = new Dictionary<ulong, (ulong Offset, byte[] Buffer)>();
        for (ulong cookie = 1; cookie <= ReadsPerClient; cookie++)
        {
            int length = random.Next(1, MaxReadBytes + 1);
            long offset = random.NextInt64(0, expected.Length - length + 1);
            byte[] buffer = new byte[length];
            Array.Fill(buffer, (byte)0xEE);
            reads[cookie] = ((ulong)offset, buffer);
            await client.SendRequestAsync(0, (ulong)offset, (uint)length, cookie, cancellationToken);
        }
        Dictionary<ulong, uint> errors = await client.ReceiveReadsAsync(reads, cancellationToken);
        foreach ((ulong cookie, (ulong offset, byte[] buffer)) in reads)
        {
            if (errors.TryGetValue(cookie, out uint error))
            {
                _failures.Enqueue($"good client {index}: read {cookie} failed with error {error}");
            }
            else if (!buffer.AsSpan().SequenceEqual(expected.AsSpan((int)offset, buffer.Length)))
            {
                _failures.Enqueue($"good client {index}: read {cookie} at {offset} (+{buffer.Length}) returned wrong bytes");
            }
            else
            {
                Interlocked.Increment(ref _readsVerified);
            }
        }
        await client.SendRequestAsync(2, 0, 0, 99, cancellationToken);
        Interlocked.Decrement(ref _connectedGood);
    }

    /// <summary>An option header claiming almost 4 GiB of data: NBD_REP_ERR_TOO_BIG, then the server closes.</summary>
    private async Task AbsurdOptionAsync()
    {
        using AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(socketPath, cancellationToken);
        await client.HandshakeAsync(cancellationToken);
        await client.SendOptionAsync(7, [], cancellationToken, claimedLength: uint.MaxValue - 15);
        Check(await client.ReadOptionReplyTypeAsync(cancellationToken) == 0x80000009u, "an option of 4 GiB is answered NBD_REP_ERR_TOO_BIG");
        await client.WaitForCloseAsync(cancellationToken);
        Interlocked.Increment(ref _hostileAnswers);
    }

    /// <summary>
    /// Lengths past what the compact header can say: extended headers (64-bit lengths) are refused, so the largest
    /// length a client can send is 4 GiB - 1: as a read it fails EINVAL and the connection goes on; as a write (whose
    /// payload would have to be read to find the next request) the server closes the connection without reading it.
    /// </summary>
    private async Task HugeLengthsAsync()
    {
        using AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(socketPath, cancellationToken);
        await client.HandshakeAsync(cancellationToken);
        await client.SendOptionAsync(11, [], cancellationToken);
        Check(await client.ReadOptionReplyTypeAsync(cancellationToken) == 0x80000001u, "NBD_OPT_EXTENDED_HEADERS is answered NBD_REP_ERR_UNSUP");
        await client.GoAsync(exportName, cancellationToken);
        await client.SendRequestAsync(0, 0, uint.MaxValue, 7, cancellationToken);
        await client.SendRequestAsync(0, ulong.MaxValue - 4096, uint.MaxValue, 8, cancellationToken);
        var reads = new Dictionary<ulong, (ulong, byte[])> { [7] = (0, []), [8] = (ulong.MaxValue - 4096, []) };
        Dictionary<ulong, uint> errors = await client.ReceiveReadsAsync(reads, cancellationToken);
        Check(errors.Count == 2 && errors.Values.All(e => e == EInval), "reads of 4 GiB - 1 fail EINVAL");
        await client.SendRequestAsync(1, 0, uint.MaxValue, 9, cancellationToken);
        await client.WaitForCloseAsync(cancellationToken);
        Interlocked.Add(ref _hostileAnswers, 2);
    }

    /// <summary>Clients that vanish: mid-handshake, inside a request header, or with big reads in flight.</summary>
    private async Task AbruptDisconnectAsync(int variant)
    {
        AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(socketPath, cancellationToken);
        switch (variant % 3)
        {
            case 0:
                await client.ReadExactlyAsync(18, cancellationToken);
                await client.WriteAsync([0, 0], cancellationToken);
                break;
            case 1:
                await client.HandshakeAsync(cancellationToken);
                await client.GoAsync(exportName, cancellationToken);
                await client.WriteAsync(AsyncNbdClient.RequestHeader(0, 0, 4096, 1)[..13], cancellationToken);
                break;
            default:
                await client.HandshakeAsync(cancellationToken);
                await client.GoAsync(exportName, cancellationToken);
                for (ulong cookie = 0; cookie < 8; cookie++)
                {
                    await client.SendRequestAsync(0, 0, (uint)Math.Min(expected.Length, 8 << 20), cookie, cancellationToken);
                }
                await client.ReadExactlyAsync(1000, cancellationToken);
                break;
        }
        client.Abort();
    }

    private async Task<AsyncNbdClient> NegotiatedAsync()
    {
        AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(socketPath, cancellationToken);
        await client.HandshakeAsync(cancellationToken);
        ulong size = await client.GoAsync(exportName, cancellationToken);
        Check(size == (ulong)expected.Length, $"the export is {expected.Length} bytes, not {size}");
        return client;
    }

    /// <summary>Sends <paramref name="bytes"/> one a second until the server closes the connection (then the write fails).</summary>
    private async Task Hold(AsyncNbdClient client, byte[] bytes)
    {
        using (client)
        {
            Task closed = client.WaitForCloseAsync(cancellationToken);
            foreach (byte b in bytes)
            {
                if (await Task.WhenAny(closed, Task.Delay(1000, cancellationToken)) == closed)
                {
                    break;
                }
                try
                {
                    await client.WriteAsync([b], cancellationToken);
                }
                catch (IOException)
                {
                    break;
                }
            }
            await closed;
        }
    }

    private async Task Guard(string who, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            _failures.Enqueue($"{who}: {exception.GetType().Name}: {exception.Message}");
        }
    }

    private void Check(bool condition, string what)
    {
        if (!condition)
        {
            _failures.Enqueue(what);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
            seen = Volatile.Read(ref target);
        }
    }
}
