using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using SparseVirt.Qemu;
using SparseVirt.Qemu.GuestAgent;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>The guest agent client against the real qemu-ga (run on the host on a Unix socket), and its framing against a fake agent.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class GuestAgentClientTests
{
    [Test]
    public async Task The_real_qemu_ga_answers_sync_ping_info_osinfo_runs_a_command_and_round_trips_a_file()
    {
        string agent = ExternalTool.Require("qemu-ga", "qemu-guest-agent");
        using var folder = new TempDirectory();
        string socket = folder.Combine("qga.sock");
        using Process process = Process.Start(new ProcessStartInfo(agent, ["-m", "unix-listen", "-p", socket, "-t", folder.FullPath, "-f", folder.Combine("qga.pid")])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        try
        {
            await using GuestAgentClient client = await ConnectWhenListeningAsync(socket);
            await client.PingAsync();

            GuestAgentInfo info = await client.GetInfoAsync();
            Assert.That(info.Version, Is.Not.Empty);
            Assert.That(info.SupportedCommands.Select(c => c.Name), Does.Contain("guest-exec").And.Contain("guest-sync-delimited"));
            Assert.That(info.SupportedCommands.Single(c => c.Name == "guest-shutdown").SuccessResponse, Is.False);

            GuestOsInfo os = await client.GetOsInfoAsync();
            Assert.That(os.KernelRelease, Is.EqualTo(File.ReadAllText("/proc/sys/kernel/osrelease").Trim()));

            GuestExecStatus run = await client.RunAsync("/bin/sh", ["-c", "echo hello agent; echo oops >&2; exit 3"], TimeSpan.FromSeconds(20));
            Assert.That(run.Exited, Is.True);
            Assert.That(run.ExitCode, Is.EqualTo(3));
            Assert.That(Encoding.UTF8.GetString(run.StandardOutput), Is.EqualTo("hello agent\n"));
            Assert.That(Encoding.UTF8.GetString(run.StandardError), Is.EqualTo("oops\n"));

            string file = folder.Combine("written by the agent.txt");
            long handle = await client.OpenFileAsync(file, "w");
            Assert.That(await client.WriteFileAsync(handle, "through guest-file-write"u8.ToArray()), Is.EqualTo(24));
            await client.CloseFileAsync(handle);
            Assert.That(File.ReadAllText(file), Is.EqualTo("through guest-file-write"));
            handle = await client.OpenFileAsync(file);
            GuestFileChunk chunk = await client.ReadFileAsync(handle);
            await client.CloseFileAsync(handle);
            Assert.That(Encoding.UTF8.GetString(chunk.Data), Is.EqualTo("through guest-file-write"));

            var error = await Assert.ThrowsAsync<GuestAgentErrorException>(() => client.OpenFileAsync(folder.Combine("missing/file")));
            Assert.That(error!.Command, Is.EqualTo("guest-file-open"));
            await client.PingAsync();
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Test]
    public async Task Stale_bytes_before_the_agents_0xFF_are_discarded_and_the_sync_id_is_checked()
    {
        var agentToClient = new Pipe();
        var clientToAgent = new Pipe();
        Stream fromAgent = agentToClient.Writer.AsStream();
        Stream toAgent = clientToAgent.Reader.AsStream();
        var channel = new DuplexStream(agentToClient.Reader.AsStream(), clientToAgent.Writer.AsStream());
        Task<GuestAgentClient> connecting = GuestAgentClient.ConnectAsync(channel, GuestAgentClientOptions.Default.WithSyncTimeout(TimeSpan.FromSeconds(10)));

        var reader = new StreamReader(toAgent, Encoding.Latin1);
        string syncLine = (await reader.ReadLineAsync())!;
        Assert.That(syncLine[0], Is.EqualTo('\xFF'), "the client flushes the agent's parser first");
        using JsonDocument sync = JsonDocument.Parse(syncLine[1..]);
        Assert.That(sync.RootElement.GetProperty("execute").GetString(), Is.EqualTo("guest-sync-delimited"));
        long id = sync.RootElement.GetProperty("arguments").GetProperty("id").GetInt64();
        // A stale reply of an earlier exchange, an error about the 0xFF, then the delimited answer.
        await fromAgent.WriteAsync(Encoding.UTF8.GetBytes("{\"return\": {\"stale\": true}}\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"stray\"}}\n"));
        await fromAgent.WriteAsync(new byte[] { 0xFF });
        await fromAgent.WriteAsync(Encoding.UTF8.GetBytes($"{{\"return\": {id}}}\n"));
        await using GuestAgentClient client = await connecting;

        Task ping = client.PingAsync();
        Assert.That(await reader.ReadLineAsync(), Does.Contain("guest-ping"));
        await fromAgent.WriteAsync("{\"return\": {}}\n"u8.ToArray());
        await ping;
    }

    /// <summary>Until qemu-ga has bound and listens (the file appears at bind, before listen), connecting fails: retried for 5 s.</summary>
    private static async Task<GuestAgentClient> ConnectWhenListeningAsync(string socket)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await GuestAgentClient.ConnectAsync(socket);
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 200)
            {
                await Task.Delay(25);
            }
        }
    }
}
