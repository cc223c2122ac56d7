using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// Writes larger than the server's 256 KiB piece are received and written a piece at a time: they arrive whole, a
/// client trickling one holds only its own connection, and a refused one's payload is skipped to the next request.
/// </summary>
public class NbdLargeWriteTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_trickled_unaligned_write_of_a_megabyte_arrives_whole_while_other_clients_are_served()
    {
        using var timeout = new CancellationTokenSource(Generous);
        var source = new ScriptedBlockSource(4096, (4 << 20, BlockExtentKind.Data));
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source).WithWritable()]);
        using AsyncNbdClient writer = await NegotiatedAsync(server, timeout.Token);
        using AsyncNbdClient reader = await NegotiatedAsync(server, timeout.Token);

        const int offset = 4095, length = (1 << 20) + 3;
        byte[] payload = new byte[length];
        new Random(14).NextBytes(payload);
        await writer.SendRequestAsync(1, offset, length, 1, timeout.Token);
        for (int sent = 0, i = 0; sent < length; i++)
        {
            int count = Math.Min(65536, length - sent);
            await writer.WriteAsync(payload[sent..(sent + count)], timeout.Token);
            sent += count;
            if (i % 4 == 0)
            {
                // Another client is answered while this write's payload is still arriving.
                var probe = new Dictionary<ulong, (ulong Offset, byte[] Buffer)> { [(ulong)i] = (0, new byte[4096]) };
                await reader.SendRequestAsync(0, 0, 4096, (ulong)i, timeout.Token);
                Assert.That(await reader.ReceiveReadsAsync(probe, timeout.Token), Is.Empty);
                Assert.That(probe[(ulong)i].Buffer[0], Is.EqualTo(ScriptedBlockSource.PatternAt(0)));
                await Task.Delay(20, timeout.Token);
            }
        }
        Assert.That(await writer.ReceiveReadsAsync(new Dictionary<ulong, (ulong, byte[])> { [1] = (offset, []) }, timeout.Token), Is.Empty, "the write succeeded");

        var back = new Dictionary<ulong, (ulong Offset, byte[] Buffer)> { [2] = (offset - 1, new byte[length + 2]) };
        await reader.SendRequestAsync(0, offset - 1, length + 2, 2, timeout.Token);
        Assert.That(await reader.ReceiveReadsAsync(back, timeout.Token), Is.Empty);
        byte[] read = back[2].Buffer;
        Assert.That(read[0], Is.EqualTo(ScriptedBlockSource.PatternAt(offset - 1)), "the byte before is the image's");
        Assert.That(read.AsSpan(1, length).SequenceEqual(payload), Is.True, "the written bytes");
        Assert.That(read[^1], Is.EqualTo(ScriptedBlockSource.PatternAt(offset + length)), "the byte after is the image's");
    }

    [Test]
    public async Task A_refused_large_write_is_skipped_and_the_next_request_is_answered()
    {
        using var timeout = new CancellationTokenSource(Generous);
        var source = new ScriptedBlockSource(4096, (1 << 20, BlockExtentKind.Data));
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("rw", source).WithWritable(), new NbdExport("ro", source)]);
        foreach ((string export, uint error) in new[] { ("rw", 28u), ("ro", 1u) })
        {
            using AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
            await client.HandshakeAsync(timeout.Token);
            await client.GoAsync(export, timeout.Token);
            // Past the end of a writable export (ENOSPC), or to a read-only one (EPERM): 3 MiB of payload to skip.
            await client.SendRequestAsync(1, (1 << 20) - 4096, 3 << 20, 1, timeout.Token);
            await client.WriteAsync(new byte[3 << 20], timeout.Token);
            Dictionary<ulong, uint> errors = await client.ReceiveReadsAsync(new Dictionary<ulong, (ulong, byte[])> { [1] = (0, []) }, timeout.Token);
            Assert.That(errors, Is.EqualTo(new Dictionary<ulong, uint> { [1] = error }), export);
            var next = new Dictionary<ulong, (ulong Offset, byte[] Buffer)> { [2] = (8192, new byte[512]) };
            await client.SendRequestAsync(0, 8192, 512, 2, timeout.Token);
            Assert.That(await client.ReceiveReadsAsync(next, timeout.Token), Is.Empty, export);
            Assert.That(next[2].Buffer[0], Is.EqualTo(ScriptedBlockSource.PatternAt(8192)), export);
        }
    }

    [Test]
    public async Task Qemu_io_writes_of_several_megabytes_read_back()
    {
        var source = new ScriptedBlockSource(4096, (16 << 20, BlockExtentKind.Hole));
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source).WithWritable()]);
        ToolResult io = ExternalTool.RunChecked(NbdTools.QemuIo, "-f", "raw",
            "-c", "write -P 0x3c 1000 5000000", "-c", "read -P 0x3c 1000 5000000", "-c", "read -P 0 0 1000", "-c", "read -P 0 5001000 4096", server.GetUri());
        Assert.That(io.Output, Does.Not.Contain("failed"));
        Assert.That(io.Output, Does.Contain("wrote 5000000/5000000"));
    }

    private static async Task<AsyncNbdClient> NegotiatedAsync(NbdServer server, CancellationToken cancellationToken)
    {
        AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, cancellationToken);
        await client.HandshakeAsync(cancellationToken);
        await client.GoAsync("disk", cancellationToken);
        return client;
    }
}
