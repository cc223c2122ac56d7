using System.Diagnostics;
using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Tests.Qemu;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// Hostile clients and load together (issue #14): a thousand well-behaved clients get correct bytes while others
/// trickle, hoard, lie about lengths and vanish; stopping ends all of it; the connection and handshake limits hold.
/// Every wait is bounded, so a hang fails the test instead of blocking the run.
/// </summary>
public class NbdHostileLoadTests
{
    /// <summary>The well-behaved clients; each process needs two descriptors per client (its end and the server's).</summary>
    public const int GoodClients = 1000;

    /// <summary>Clients that trickle a byte a second, in the handshake and inside a request.</summary>
    public const int Tricklers = 20;

    /// <summary>Clients that send 16 maximal reads and never read a reply: without the server-wide read budget they would pin 16 pieces each.</summary>
    public const int NonReaders = 50;

    public const int HostileEach = 20;

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static readonly ScriptedBlockSource Source = new(4096,
        (1 << 20, BlockExtentKind.Data), (1 << 20, BlockExtentKind.Hole), (2 << 20, BlockExtentKind.Data),
        (512 * 1024, BlockExtentKind.Zero), (3584 * 1024, BlockExtentKind.Data));

    private static readonly byte[] Expected = Source.ToArray();

    [Test]
    public async Task A_thousand_clients_get_correct_bytes_among_hostile_ones_and_stopping_ends_every_connection()
    {
        Assume.That(OpenFileLimit(), Is.GreaterThan((2 * GoodClients) + 500), "too few file descriptors for a thousand connections in one process");
        using var timeout = new CancellationTokenSource(Generous);
        var clock = Stopwatch.StartNew();
        NbdServerOptions options = NbdServerOptions.Default.WithMaxConnections(GoodClients + 500)
            .WithHandshakeLimit(TimeSpan.FromMinutes(5)).WithShutdownTimeout(TimeSpan.FromSeconds(1));
        NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", Source)], options);
        try
        {
            var load = new HostileLoad(server.UnixSocketPath!, "disk", Expected, timeout.Token);
            await load.StartHoldersAsync(Tricklers, Tricklers, NonReaders);
            HostileLoadReport report = await load.RunAsync(GoodClients, HostileEach);
            TestContext.Progress.WriteLine($"In-process hostile load: {report.GoodClients} clients held at once (peak {report.PeakConcurrentGood}), " +
                $"{report.ReadsVerified} reads verified, {report.HostileAnswers} hostile requests answered, {load.HolderCount} holders, {clock.Elapsed.TotalSeconds:F1} s");
            Assert.That(report.Failures, Is.Empty);
            Assert.That(report.ReadsVerified, Is.EqualTo(GoodClients * HostileLoad.ReadsPerClient));
            Assert.That(report.PeakConcurrentGood, Is.EqualTo(GoodClients), "every well-behaved client was connected at the same time");
            Assert.That(server.ConnectionCount, Is.GreaterThanOrEqualTo(load.HolderCount), "the holders are still connected");

            await server.StopAsync().WaitAsync(timeout.Token);
            Assert.That(server.ConnectionCount, Is.Zero);
            await load.HoldersClosedAsync().WaitAsync(timeout.Token);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Test]
    public async Task The_connection_after_the_limit_is_closed_before_the_greeting_and_admitted_once_one_leaves()
    {
        using var timeout = new CancellationTokenSource(Generous);
        var logger = new RecordingLogger();
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", Source)], NbdServerOptions.Default.WithMaxConnections(3).WithLogger(logger));
        var admitted = new List<AsyncNbdClient>();
        for (int i = 0; i < 3; i++)
        {
            AsyncNbdClient client = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
            await client.HandshakeAsync(timeout.Token);
            await client.GoAsync("disk", timeout.Token);
            admitted.Add(client);
        }
        using (AsyncNbdClient refused = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token))
        {
            // End of stream before any greeting byte: the client learns at once, instead of waiting in the backlog.
            Assert.That(await refused.CountUntilCloseAsync(timeout.Token), Is.Zero, "the fourth client is closed without a greeting");
        }
        Assert.That(logger.Entries.Select(e => e.Message), Has.Some.Contains("the limit of 3"));

        // The three admitted clients are still served.
        foreach (AsyncNbdClient client in admitted)
        {
            await AssertReadsAsync(client, timeout.Token);
        }
        await admitted[0].SendRequestAsync(2, 0, 0, 9, timeout.Token);
        await admitted[0].WaitForCloseAsync(timeout.Token);
        admitted[0].Dispose();
        while (server.ConnectionCount > 2)
        {
            await Task.Delay(10, timeout.Token);
        }
        using AsyncNbdClient next = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
        await next.HandshakeAsync(timeout.Token);
        await next.GoAsync("disk", timeout.Token);
        await AssertReadsAsync(next, timeout.Token);
        admitted.Skip(1).ToList().ForEach(c => c.Dispose());
    }

    [Test]
    public async Task A_client_that_does_not_finish_negotiating_within_the_handshake_limit_is_disconnected()
    {
        using var timeout = new CancellationTokenSource(Generous);
        var logger = new RecordingLogger();
        NbdServerOptions options = NbdServerOptions.Default.WithHandshakeLimit(TimeSpan.FromSeconds(1)).WithLogger(logger);
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", Source)], options);
        using AsyncNbdClient silent = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
        using AsyncNbdClient trickling = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
        await trickling.HandshakeAsync(timeout.Token);
        using AsyncNbdClient quick = await AsyncNbdClient.ConnectAsync(server.UnixSocketPath!, timeout.Token);
        await quick.HandshakeAsync(timeout.Token);
        await quick.GoAsync("disk", timeout.Token);

        Task silentClosed = silent.WaitForCloseAsync(timeout.Token);
        try
        {
            for (int i = 0; i < 16 && !silentClosed.IsCompleted; i++)
            {
                // An option header a byte at a time, too slowly to finish within the limit.
                await trickling.WriteAsync([0x49], timeout.Token);
                await Task.Delay(250, timeout.Token);
            }
        }
        catch (IOException)
        {
            // Closed already (a broken pipe): what is being tested.
        }
        await silentClosed;
        await trickling.WaitForCloseAsync(timeout.Token);
        Assert.That(logger.Entries.Count(e => e.Message.Contains("handshake limit", StringComparison.Ordinal)), Is.EqualTo(2));

        // Past the limit, a negotiated connection is unaffected.
        await Task.Delay(200, timeout.Token);
        await AssertReadsAsync(quick, timeout.Token);
        Assert.That(server.ConnectionCount, Is.EqualTo(1));
    }

    private static async Task AssertReadsAsync(AsyncNbdClient client, CancellationToken cancellationToken)
    {
        var reads = new Dictionary<ulong, (ulong Offset, byte[] Buffer)> { [5] = (4096, new byte[8192]) };
        await client.SendRequestAsync(0, 4096, 8192, 5, cancellationToken);
        Assert.That(await client.ReceiveReadsAsync(reads, cancellationToken), Is.Empty);
        Assert.That(reads[5].Buffer, Is.EqualTo(Expected.AsSpan(4096, 8192).ToArray()));
    }

    /// <summary>The soft limit on open files, from /proc (the .NET runtime raises it to the hard limit at start-up).</summary>
    internal static long OpenFileLimit()
    {
        string? line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        string[] fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return fields.Length > 3 && long.TryParse(fields[3], out long soft) ? soft : long.MaxValue;
    }
}
