using System.Diagnostics;
using System.Net.Sockets;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// Real <c>sparsevirt serve --writable --overlay FILE</c> processes killed with SIGKILL at random moments while a
/// client writes: after each restart over the same FILE every write acknowledged after a flush (or with FUA) reads
/// back. A SIGKILL proves process-crash safety only: the page cache survives it; power loss is not tested here.
/// </summary>
public class PersistentOverlayKillTests
{
    private const int Block = 4096;
    private const int Blocks = 16384; // a 64 MiB export: room for every write of every round at its own offset
    private const int Rounds = 50;

    [Test]
    public void Writes_flushed_before_a_SIGKILL_are_all_there_after_a_restart_across_fifty_random_kill_points()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("disk.simg");
        File.WriteAllBytes(image, new SparseImageBuilder().Raw(4, seed: 5).DontCare(Blocks - 4).Build());
        string overlay = folder.Combine("disk.overlay");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var durable = new Dictionary<int, byte>();
        int nextBlock = 4, flushes = 0, killedMidRound = 0;

        for (int round = 0; round < Rounds; round++)
        {
            string socket = folder.Combine($"nbd-{round}.sock");
            using Process serve = StartServe(image, socket, overlay);
            try
            {
                using RawNbdClient client = Connect(socket, serve);
                Verify(client, durable, $"round {round} (seed {seed})");

                var pending = new List<(int Block, byte Value)>();
                int killAfterMilliseconds = random.Next(5, 200);
                var clock = Stopwatch.StartNew();
                try
                {
                    for (ulong cookie = 1; nextBlock < Blocks; cookie++)
                    {
                        if (clock.ElapsedMilliseconds >= killAfterMilliseconds)
                        {
                            // The kill lands between requests or in the middle of one: the client does not know which.
                            serve.Kill();
                            killedMidRound++;
                        }
                        byte value = (byte)random.Next(1, 256);
                        bool fua = random.Next(4) == 0;
                        client.SendRequest(1, (ulong)nextBlock * Block, Block, cookie, flags: (ushort)(fua ? 1 : 0), payload: Enumerable.Repeat(value, Block).ToArray());
                        pending.Add((nextBlock++, value));
                        ExpectOk(client.ReadReply());
                        if (fua || random.Next(3) == 0)
                        {
                            if (!fua)
                            {
                                client.SendRequest(3, 0, 0, ++cookie);
                                ExpectOk(client.ReadReply());
                            }
                            // A flush's (or FUA write's) reply covers every write acknowledged before it.
                            foreach ((int block, byte v) in pending)
                            {
                                durable[block] = v;
                            }
                            pending.Clear();
                            flushes++;
                        }
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
                {
                    // The server died under the client, as intended.
                }
            }
            finally
            {
                if (!serve.HasExited)
                {
                    serve.Kill();
                }
                serve.WaitForExit();
            }
        }

        using Process last = StartServe(image, folder.Combine("nbd-last.sock"), overlay);
        try
        {
            using RawNbdClient client = Connect(folder.Combine("nbd-last.sock"), last);
            Verify(client, durable, $"after the last kill (seed {seed})");
        }
        finally
        {
            last.Kill();
            last.WaitForExit();
        }
        TestContext.Out.WriteLine($"seed {seed}: {durable.Count} durable writes from {flushes} flushes, {killedMidRound} kills while writing");
        Assert.That(durable, Is.Not.Empty, "some writes were flushed before the kills");
    }

    private static void Verify(RawNbdClient client, Dictionary<int, byte> durable, string when)
    {
        ulong cookie = 1_000_000;
        foreach ((int block, byte value) in durable)
        {
            client.SendRequest(0, (ulong)block * Block, Block, ++cookie);
            NbdReplyMessage reply = client.ReadReply();
            Assert.That(reply.Error, Is.Zero, $"{when}: read of block {block}");
            byte[] data = client.ReadExactly(Block);
            Assert.That(data.All(b => b == value), Is.True, $"{when}: block {block} lost its flushed write of 0x{value:X2}");
        }
    }

    private static void ExpectOk(NbdReplyMessage reply)
    {
        if (reply.Error != 0)
        {
            throw new IOException($"NBD error {reply.Error}");
        }
    }

    private static RawNbdClient Connect(string socket, Process serve)
    {
        // serve prints its URI once it accepts connections.
        string? uri = serve.StandardOutput.ReadLine();
        Assert.That(uri, Does.StartWith("nbd+unix://"), serve.HasExited ? serve.StandardError.ReadToEnd() : "no URI");
        RawNbdClient client = RawNbdClient.ConnectUnix(socket);
        client.Handshake();
        client.Go("disk", structured: false);
        return client;
    }

    private static Process StartServe(string image, string socket, string overlay) =>
        SparsevirtProcess.Start("serve", image, "--socket", socket, "--writable", "--overlay", overlay);
}
