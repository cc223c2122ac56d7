using SparseVirt.Cli;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Nbd;

/// <summary><c>sparsevirt serve</c>: the URI first, served until interrupted, exit 0, nothing left behind.</summary>
public class ServeCommandTests
{
    /// <summary>Runs <c>sparsevirt serve</c> in-process until its first line appears; returns the line and the running verb.</summary>
    private static async Task<(string Uri, Task<int> Exit, StringWriter Error, CancellationTokenSource Stop)> StartServeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var stop = new CancellationTokenSource();
        Task<int> exit = Task.Run(() => SparsevirtApp.RunAsync(["serve", .. args], CliConsole.ForStrings(output, error), stop.Token));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!output.ToString().Contains('\n', StringComparison.Ordinal) && !exit.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.That(exit.IsCompleted, Is.False, "serve is running: " + error);
        return (output.ToString().Split('\n')[0].Trim(), exit, error, stop);
    }

    [Test]
    public async Task Serve_prints_the_uri_first_serves_the_pieces_as_one_disk_and_exits_zero_on_interrupt()
    {
        using var dir = new TempDirectory();
        string first = dir.Combine("a.simg"), second = dir.Combine("b.simg"), whole = dir.Combine("whole.raw");
        File.WriteAllBytes(first, new SparseImageBuilder().Raw(4, seed: 3).Fill(7, 2).DontCare(2).Build());
        File.WriteAllBytes(second, new SparseImageBuilder().DontCare(1).Raw(1, seed: 4).DontCare(3).Fill(9, 2).DontCare(1).Build());
        ExternalTool.RunChecked(ExternalTool.Require("simg2img", "android-sdk-libsparse-utils"), first, second, whole);

        (string uri, Task<int> exit, StringWriter error, CancellationTokenSource stop) = await StartServeAsync(first, second, "--name", "split");
        using (stop)
        {
            Assert.That(uri, Does.Match(@"^nbd\+unix:///split\?socket=/.+"));
            string socket = uri[(uri.IndexOf("socket=", StringComparison.Ordinal) + 7)..];
            ToolResult compare = ExternalTool.Run(NbdTools.QemuImg, ["compare", "-f", "raw", "-F", "raw", whole, uri]);
            Assert.That(compare.ExitCode, Is.Zero, compare.Output + compare.Error);

            await stop.CancelAsync();
            Assert.That(await exit, Is.Zero, error.ToString());
            Assert.That(File.Exists(socket), Is.False, "the socket file is removed");
        }
    }

    [Test]
    public async Task Serve_over_tcp_defaults_to_loopback_and_writable_keeps_the_image_unchanged()
    {
        using var dir = new TempDirectory();
        string image = dir.Combine("disk.simg"), overlay = dir.Combine("disk.overlay");
        byte[] bytes = new SparseImageBuilder().Raw(8, seed: 9).DontCare(8).Build();
        File.WriteAllBytes(image, bytes);

        (string uri, Task<int> exit, StringWriter error, CancellationTokenSource stop) = await StartServeAsync(image, "--tcp", "0", "--writable", "--overlay", overlay);
        using (stop)
        {
            Assert.That(uri, Does.Match(@"^nbd://127\.0\.0\.1:\d+/disk$"));
            ToolResult io = ExternalTool.Run(NbdTools.QemuIo, ["-f", "raw", "-c", "write -P 0x77 40960 4096", "-c", "read -P 0x77 40960 4096", uri]);
            Assert.That(io.ExitCode, Is.Zero, io.Output + io.Error);
            Assert.That(io.Output, Does.Not.Contain("failed"));
            await stop.CancelAsync();
            Assert.That(await exit, Is.Zero, error.ToString());
        }
        Assert.That(File.ReadAllBytes(image), Is.EqualTo(bytes));
        Assert.That(File.Exists(overlay), Is.True);
    }

    [TestCase("--max-connections", "0", "--max-connections 0")]
    [TestCase("--max-connections", "-5", "--max-connections -5")]
    [TestCase("--handshake-limit", "-1", "--handshake-limit -1")]
    [TestCase("--handshake-limit", "1e12", "--handshake-limit")]
    public async Task Serve_refuses_a_connection_limit_below_one_or_a_negative_handshake_limit(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        string image = dir.Combine("disk.simg");
        File.WriteAllBytes(image, new SparseImageBuilder().Raw(1, seed: 1).Build());
        CliResult result = await CliHarness.RunAsync("serve", image, option, value);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
        Assert.That(result.Error, Does.Contain(message));
    }

    [Test]
    public async Task Serve_applies_max_connections_and_accepts_a_handshake_limit_of_zero()
    {
        using var dir = new TempDirectory();
        string image = dir.Combine("disk.simg");
        File.WriteAllBytes(image, new SparseImageBuilder().Raw(4, seed: 5).Build());
        (string uri, Task<int> exit, StringWriter error, CancellationTokenSource stop) = await StartServeAsync(image, "--max-connections", "1", "--handshake-limit", "0");
        using (stop)
        {
            string socket = uri[(uri.IndexOf("socket=", StringComparison.Ordinal) + 7)..];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using AsyncNbdClient first = await AsyncNbdClient.ConnectAsync(socket, timeout.Token);
            await first.ReadExactlyAsync(18, timeout.Token);
            // The first holds the only slot, so the next is closed before a byte of greeting.
            using AsyncNbdClient second = await AsyncNbdClient.ConnectAsync(socket, timeout.Token);
            Assert.That(await second.CountUntilCloseAsync(timeout.Token), Is.Zero);
            first.Dispose();
            await stop.CancelAsync();
            Assert.That(await exit.WaitAsync(timeout.Token), Is.Zero, error.ToString());
        }
    }
}
