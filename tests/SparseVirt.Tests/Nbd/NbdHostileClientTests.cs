using System.Buffers.Binary;
using SparseVirt.BlockSources;
using SparseVirt.Nbd;

namespace SparseVirt.Tests.Nbd;

/// <summary>Clients that break the protocol, from raw sockets: each gets the protocol's answer or is closed, alone.</summary>
public class NbdHostileClientTests
{
    private static readonly ScriptedBlockSource Source = new(4096, (64 * 1024, BlockExtentKind.Data), (64 * 1024, BlockExtentKind.Hole), (64 * 1024, BlockExtentKind.Data));

    private static async Task<NbdServer> StartAsync(IBlockSource? source = null) =>
        await NbdServer.StartAsync([new NbdExport("disk", source ?? Source)]);

    /// <summary>A well-behaved client reads the first block: the server still serves others.</summary>
    private static void AssertStillServes(NbdServer server)
    {
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.Go("disk");
        client.SendRequest(0, 0, 4096, cookie: 42);
        NbdReplyMessage data = client.ReadReply();
        Assert.That((data.Cookie, data.Error, data.Type), Is.EqualTo((42UL, 0u, (ushort)1)));
        Assert.That(data.Payload[8], Is.EqualTo(ScriptedBlockSource.PatternAt(0)));
    }

    [Test]
    public async Task A_wrong_option_magic_closes_only_that_connection()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.SendOption(7, RawNbdClient.NameAndInfos("disk"), magic: 0x1122334455667788);
        Assert.That(client.IsClosedByServer(), Is.True);
        AssertStillServes(server);
    }

    [Test]
    public async Task Unknown_client_flags_close_the_connection()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        Assert.That(client.Handshake(clientFlags: 1 | (1 << 7)), Is.EqualTo((ushort)3), "FIXED_NEWSTYLE | NO_ZEROES offered");
        Assert.That(client.IsClosedByServer(), Is.True);
        AssertStillServes(server);
    }

    [Test]
    public async Task Unknown_options_are_answered_unsupported_and_the_next_one_is_read()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        foreach (uint option in new uint[] { 99, 4, 5, 11, 0xFFFFFFFF })
        {
            client.SendOption(option, [1, 2, 3]);
            (uint echoed, uint type, byte[] message) = client.ReadOptionReply();
            Assert.That((echoed, type), Is.EqualTo((option, 0x80000001u)), $"option {option}: NBD_REP_ERR_UNSUP");
            Assert.That(message, Is.Not.Empty, "with a message");
        }
        client.SendOption(10, RawNbdClient.MetaContextQuery("disk", "base:allocation"));
        Assert.That(client.ReadOptionReply().Type, Is.EqualTo(0x80000003u), "meta contexts before structured replies: ERR_INVALID");
        client.SendOption(3, [0]);
        Assert.That(client.ReadOptionReply().Type, Is.EqualTo(0x80000003u), "LIST with data: ERR_INVALID");
        client.SendOption(7, RawNbdClient.NameAndInfos("nosuch"));
        Assert.That(client.ReadOptionReply().Type, Is.EqualTo(0x80000006u), "GO to an unknown export: ERR_UNKNOWN");
        client.SendOption(7, [0, 0, 0, 9, 1]);
        Assert.That(client.ReadOptionReply().Type, Is.EqualTo(0x80000003u), "GO with lengths that do not add up: ERR_INVALID");

        (ulong size, _) = client.Go("disk");
        Assert.That(size, Is.EqualTo((ulong)Source.Length));
    }

    [Test]
    public async Task An_option_length_of_4_GiB_is_refused_too_big_without_being_read()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.SendOption(7, [], claimedLength: uint.MaxValue);
        (uint option, uint type, _) = client.ReadOptionReply();
        Assert.That((option, type), Is.EqualTo((7u, 0x80000009u)), "NBD_REP_ERR_TOO_BIG");
        Assert.That(client.IsClosedByServer(), Is.True);
        AssertStillServes(server);
    }

    [Test]
    public async Task Reads_past_the_end_or_of_4_GiB_fail_einval_and_the_connection_goes_on([Values] bool structured)
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.Go("disk", structured);

        client.SendRequest(0, (ulong)Source.Length - 512, 1024, cookie: 1);
        NbdReplyMessage pastEnd = client.ReadReply();
        client.SendRequest(0, 0, uint.MaxValue, cookie: 2);
        NbdReplyMessage huge = client.ReadReply();
        client.SendRequest(0, ulong.MaxValue - 10, 100, cookie: 3);
        NbdReplyMessage wrapping = client.ReadReply();
        client.SendRequest(0, 4096, 4096, cookie: 4);
        NbdReplyMessage good = client.ReadReply();

        Assert.That((pastEnd.Cookie, pastEnd.Error, pastEnd.Done), Is.EqualTo((1UL, 22u, true)));
        Assert.That((huge.Cookie, huge.Error, huge.Done), Is.EqualTo((2UL, 22u, true)));
        Assert.That((wrapping.Cookie, wrapping.Error), Is.EqualTo((3UL, 22u)));
        Assert.That((good.Cookie, good.Error), Is.EqualTo((4UL, 0u)));
        byte[] data = structured ? good.Payload[8..] : client.ReadExactly(4096);
        Assert.That(data[0], Is.EqualTo(ScriptedBlockSource.PatternAt(4096)));
    }

    [Test]
    public async Task Unknown_commands_and_flags_fail_einval()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.Go("disk");
        client.SendRequest(42, 0, 512, cookie: 1);
        client.SendRequest(0, 0, 512, cookie: 2, flags: 1 << 9);
        client.SendRequest(7, 0, 512, cookie: 3, flags: 1 << 2);
        foreach (ulong cookie in new ulong[] { 1, 2, 3 })
        {
            NbdReplyMessage reply = client.ReadReply();
            Assert.That((reply.Cookie, reply.Error), Is.EqualTo((cookie, 22u)));
        }
    }

    [Test]
    public async Task A_wrong_request_magic_or_an_oversized_write_closes_only_that_connection()
    {
        await using NbdServer server = await StartAsync();
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.Go("disk");
            client.SendRequest(0, 0, 512, magic: 0xdeadbeef);
            Assert.That(client.IsClosedByServer(), Is.True);
        }
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.Go("disk");
            client.SendRequest(1, 0, 64 * 1024 * 1024);
            Assert.That(client.IsClosedByServer(), Is.True);
        }
        AssertStillServes(server);
    }

    [Test]
    public async Task A_disconnect_in_the_middle_of_a_request_leaves_the_server_serving()
    {
        var writable = new NbdExport("disk", Source).WithWritable();
        await using NbdServer server = await NbdServer.StartAsync([writable]);
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.Go("disk");
            client.SendRequest(1, 0, 65536);
            client.WriteRaw(new byte[1000]);
        }
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.Go("disk");
            client.WriteRaw(new byte[10]);
        }
        AssertStillServes(server);
    }

    [Test]
    public async Task Two_hundred_concurrent_connections_are_all_served()
    {
        await using NbdServer server = await StartAsync();
        var clients = Enumerable.Range(0, 200).Select(_ => RawNbdClient.ConnectUnix(server.UnixSocketPath!)).ToList();
        try
        {
            // Dedicated threads: 200 blocking clients on the thread pool would starve the server that shares it.
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            var threads = clients.Select((client, i) => new Thread(() =>
            {
                try
                {
                    client.Handshake();
                    client.Go("disk");
                    long offset = i % 16 * 4096;
                    client.SendRequest(0, (ulong)offset, 4096, cookie: (ulong)i);
                    NbdReplyMessage reply = client.ReadReply();
                    if (reply.Cookie != (ulong)i || reply.Error != 0 || reply.Payload[8] != ScriptedBlockSource.PatternAt(offset))
                    {
                        failures.Add($"client {i}: cookie {reply.Cookie}, error {reply.Error}");
                    }
                }
                catch (Exception exception) when (exception is IOException or AssertionException)
                {
                    failures.Add($"client {i}: {exception.Message}");
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.That(failures, Is.Empty);
            Assert.That(server.ConnectionCount, Is.EqualTo(200));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Test]
    public async Task Requests_in_flight_are_answered_out_of_order()
    {
        var source = new ScriptedBlockSource(4096, (64 * 1024, BlockExtentKind.Data), (64 * 1024, BlockExtentKind.Hole)) { Gate = new TaskCompletionSource() };
        await using NbdServer server = await StartAsync(source);
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.Go("disk");

        client.SendRequest(0, 0, 4096, cookie: 1);
        client.SendRequest(7, 0, (uint)source.Length, cookie: 2);
        client.SendRequest(0, 65536, 8192, cookie: 3);
        var early = new[] { client.ReadReply(), client.ReadReply() };
        source.Gate.SetResult();
        NbdReplyMessage late = client.ReadReply();

        Assert.That(early.Select(r => r.Cookie), Is.EquivalentTo(new ulong[] { 2, 3 }), "the status and the hole read overtake the held read");
        NbdReplyMessage status = early.Single(r => r.Cookie == 2);
        Assert.That(status.Type, Is.EqualTo((ushort)5));
        Assert.That(status.Payload, Is.EqualTo(new byte[] { 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3 }));
        NbdReplyMessage hole = early.Single(r => r.Cookie == 3);
        Assert.That((hole.Type, BinaryPrimitives.ReadUInt32BigEndian(hole.Payload.AsSpan(8))), Is.EqualTo(((ushort)2, 8192u)), "OFFSET_HOLE");
        Assert.That((late.Cookie, late.Type), Is.EqualTo((1UL, (ushort)1)));
    }

    [Test]
    public async Task Block_status_with_req_one_answers_one_extent()
    {
        await using NbdServer server = await StartAsync();
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        client.Go("disk");
        client.SendRequest(7, 4096, (uint)(Source.Length - 4096), cookie: 5, flags: 1 << 3);
        NbdReplyMessage reply = client.ReadReply();
        Assert.That(reply.Payload, Is.EqualTo(new byte[] { 0, 0, 0, 1, 0, 0, 0xf0, 0, 0, 0, 0, 0 }), "one descriptor: 60 KiB of data");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Stopping_answers_requests_in_flight_with_eshutdown_and_removes_the_socket()
    {
        var source = new ScriptedBlockSource(4096, (64 * 1024, BlockExtentKind.Data)) { Gate = new TaskCompletionSource() };
        NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source)], NbdServerOptions.Default.WithShutdownTimeout(TimeSpan.FromSeconds(2)));
        string socket = server.UnixSocketPath!;
        string directory = Path.GetDirectoryName(socket)!;
        Assert.That(File.GetUnixFileMode(socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        using var client = RawNbdClient.ConnectUnix(socket);
        client.Handshake();
        client.Go("disk");
        client.SendRequest(0, 0, 4096, cookie: 11);
        SpinWait.SpinUntil(() => source.ReadsStarted > 0, TimeSpan.FromSeconds(10));

        Task stop = server.StopAsync();
        NbdReplyMessage reply = client.ReadReply();
        await stop;

        Assert.That((reply.Cookie, reply.Error), Is.EqualTo((11UL, 108u)), "ESHUTDOWN");
        Assert.That(client.IsClosedByServer(), Is.True);
        Assert.That(File.Exists(socket), Is.False);
        Assert.That(Directory.Exists(directory), Is.False);
    }

    [Test]
    public async Task Export_name_enters_transmission_or_closes_for_an_unknown_name()
    {
        await using NbdServer server = await StartAsync();
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake(clientFlags: 1);
            client.SendOption(1, "disk"u8.ToArray());
            byte[] reply = client.ReadExactly(134);
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(reply), Is.EqualTo((ulong)Source.Length));
            Assert.That(reply.AsSpan(10).ToArray(), Is.All.Zero, "124 zero bytes without NO_ZEROES");
            client.SendRequest(0, 0, 512, cookie: 3);
            Assert.That(client.ReadReply().Error, Is.Zero);
            Assert.That(client.ReadExactly(512)[0], Is.EqualTo(ScriptedBlockSource.PatternAt(0)));
        }
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.SendOption(1, "nosuch"u8.ToArray());
            Assert.That(client.IsClosedByServer(), Is.True);
        }
    }
}
