using System.Diagnostics;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Qemu;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// The real <c>sparsevirt serve</c>, in its own process, under the hostile load: its peak resident memory (VmHWM) is
/// measured and must stay under a fixed bound, and SIGTERM still ends it cleanly with every connection closed.
/// </summary>
public class ServeUnderHostileLoadTests
{
    /// <summary>Generous: the server's own buffers are bounded far below it (see docs/nbd.md, "Limits").</summary>
    private const long PeakResidentBoundBytes = 256L << 20;

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Serve_stays_under_256_MB_with_a_thousand_clients_and_hostile_ones_and_exits_zero_on_sigterm()
    {
        Assume.That(OperatingSystem.IsLinux(), "peak memory is read from /proc");
        Assume.That(NbdHostileLoadTests.OpenFileLimit(), Is.GreaterThan(NbdHostileLoadTests.GoodClients + 500), "too few file descriptors for a thousand connections");
        using var dir = new TempDirectory();
        string image = dir.Combine("disk.simg"), socket = dir.Combine("nbd.sock");
        var builder = new SparseImageBuilder().Raw(1024, seed: 1).DontCare(256).Fill(0x5a5a5a5a, 256).Raw(1024, seed: 2).DontCare(512);
        File.WriteAllBytes(image, builder.Build());
        byte[] expected = builder.Expected;

        using var timeout = new CancellationTokenSource(Generous);
        using Process serve = StartServe(image, "--socket", socket, "--max-connections", "2000", "--handshake-limit", "300");
        // Read all along, so a chatty server never blocks on a full pipe.
        Task<string> errors = serve.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            string? uri = await serve.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.That(uri, Does.StartWith("nbd+unix:///disk?socket="), "serve printed its URI");
            var clock = Stopwatch.StartNew();
            var load = new HostileLoad(socket, "disk", expected, timeout.Token);
            await load.StartHoldersAsync(NbdHostileLoadTests.Tricklers, NbdHostileLoadTests.Tricklers, NbdHostileLoadTests.NonReaders);
            HostileLoadReport report = await load.RunAsync(NbdHostileLoadTests.GoodClients, NbdHostileLoadTests.HostileEach);
            long peak = PeakResidentBytes(serve.Id);
            TestContext.Progress.WriteLine($"sparsevirt serve under hostile load: {report.GoodClients} clients held at once (peak {report.PeakConcurrentGood}), " +
                $"{report.ReadsVerified} reads verified, {report.HostileAnswers} hostile requests answered, {load.HolderCount} holders, " +
                $"peak RSS {peak / (1024.0 * 1024):F1} MiB, {clock.Elapsed.TotalSeconds:F1} s");
            Assert.That(report.Failures, Is.Empty);
            Assert.That(report.ReadsVerified, Is.EqualTo(NbdHostileLoadTests.GoodClients * HostileLoad.ReadsPerClient));
            Assert.That(peak, Is.LessThan(PeakResidentBoundBytes), "peak resident memory of the serving process");

            Assert.That(ProcessSignals.Terminate(serve.Id), Is.True, "SIGTERM sent");
            await serve.WaitForExitAsync(timeout.Token);
            Assert.That(serve.ExitCode, Is.Zero, await errors);
            await load.HoldersClosedAsync().WaitAsync(timeout.Token);
            Assert.That(File.Exists(socket), Is.False, "the socket file is removed");
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill();
            }
        }
    }

    private static Process StartServe(params string[] arguments) => SparsevirtProcess.Start(["serve", .. arguments]);

    /// <summary>VmHWM: the most resident memory the process has had.</summary>
    private static long PeakResidentBytes(int processId)
    {
        string line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
