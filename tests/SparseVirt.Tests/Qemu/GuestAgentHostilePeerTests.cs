using System.Text;
using System.Text.Json;
using SparseVirt.Qemu.GuestAgent;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// The guest agent client against a hostile agent: endless lines, invalid UTF-8, deeply nested JSON, a close in the
/// middle of a reply. The pending command must fail with a clear exception naming it, later ones at once, and nothing
/// may wait for a timeout: the timeouts here are far longer than the test's own limit, so a hang fails the test.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class GuestAgentHostilePeerTests
{
    private static readonly GuestAgentClientOptions Options = GuestAgentClientOptions.Default
        .WithSyncTimeout(TimeSpan.FromMinutes(5))
        .WithCommandTimeout(TimeSpan.FromMinutes(5))
        .WithMaxMessageBytes(4096);

    private static async Task<(GuestAgentClient Client, FakeGuestAgent Agent)> ConnectAsync()
    {
        var agent = new FakeGuestAgent();
        Task<GuestAgentClient> connecting = GuestAgentClient.ConnectAsync(agent.ClientStream, Options);
        await agent.AnswerSyncAsync();
        return (await connecting, agent);
    }

    /// <summary>Starts <c>guest-info</c> and returns it once the agent has read the request.</summary>
    private static async Task<Task<GuestAgentInfo>> PendingAsync(GuestAgentClient client, FakeGuestAgent agent)
    {
        Task<GuestAgentInfo> info = client.GetInfoAsync();
        JsonElement request = await agent.ReadRequestAsync();
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("guest-info"));
        return info;
    }

    /// <summary>The pending command fails naming itself; a later command fails at once, without waiting for its timeout.</summary>
    private static async Task<GuestAgentConnectionClosedException> AssertFailsAsync(GuestAgentClient client, Task<GuestAgentInfo> pending)
    {
        var error = await Assert.ThrowsAsync<GuestAgentConnectionClosedException>(() => pending);
        Assert.That(error!.Message, Does.Contain("guest-info"), "the failure names the command");
        var later = await Assert.ThrowsAsync<GuestAgentConnectionClosedException>(() => client.PingAsync());
        Assert.That(later!.Message, Does.Contain("guest-"));
        return error;
    }

    [Test]
    public async Task An_endless_line_fails_the_pending_command_once_it_passes_the_message_limit()
    {
        (GuestAgentClient client, FakeGuestAgent agent) = await ConnectAsync();
        await using GuestAgentClient _ = client;
        Task<GuestAgentInfo> pending = await PendingAsync(client, agent);
        byte[] piece = Encoding.ASCII.GetBytes(new string('x', 1000));
        // The agent never ends its line; it stops only because the client stops listening.
        // Once the client stops reading, the pipe fills and a send waits for good: the send races the pending call.
        for (int sent = 0; !pending.IsCompleted && sent < 1_000_000; sent++)
        {
            await Task.WhenAny(agent.SendRawAsync(piece), pending);
        }
        GuestAgentConnectionClosedException error = await AssertFailsAsync(client, pending);
        Assert.That(error.InnerException, Is.TypeOf<GuestAgentProtocolException>());
        Assert.That(error.Message, Does.Contain("4096 bytes"));
    }

    [Test]
    public async Task Invalid_UTF8_in_a_reply_is_a_protocol_error_that_fails_the_pending_command()
    {
        (GuestAgentClient client, FakeGuestAgent agent) = await ConnectAsync();
        await using GuestAgentClient _ = client;
        Task<GuestAgentInfo> pending = await PendingAsync(client, agent);
        await agent.SendRawAsync((byte[])[.. Encoding.ASCII.GetBytes("{\"return\": {\"version\": \"bad "), 0xC3, 0x28, .. "\"}}\n"u8]);
        GuestAgentConnectionClosedException error = await AssertFailsAsync(client, pending);
        Assert.That(error.InnerException, Is.TypeOf<GuestAgentProtocolException>());
        Assert.That(error.InnerException!.Message, Does.Contain("not valid UTF-8"));
    }

    [Test]
    public async Task Deeply_nested_JSON_is_a_protocol_error_that_fails_the_pending_command()
    {
        (GuestAgentClient client, FakeGuestAgent agent) = await ConnectAsync();
        await using GuestAgentClient _ = client;
        Task<GuestAgentInfo> pending = await PendingAsync(client, agent);
        const int Depth = 1000; // within the 4096-byte limit, far past any parser's depth limit
        await agent.SendAsync($"{{\"return\": {new string('[', Depth)}{new string(']', Depth)}}}");
        GuestAgentConnectionClosedException error = await AssertFailsAsync(client, pending);
        Assert.That(error.InnerException, Is.TypeOf<GuestAgentProtocolException>());
        Assert.That(error.InnerException!.Message, Does.Contain("depth").IgnoreCase);
    }

    [Test]
    public async Task A_close_after_half_a_reply_fails_the_pending_command_saying_so()
    {
        (GuestAgentClient client, FakeGuestAgent agent) = await ConnectAsync();
        await using GuestAgentClient _ = client;
        Task<GuestAgentInfo> pending = await PendingAsync(client, agent);
        await agent.SendRawAsync(Encoding.ASCII.GetBytes("{\"return\": {\"version\": \"8."));
        await agent.CloseAsync();
        GuestAgentConnectionClosedException error = await AssertFailsAsync(client, pending);
        Assert.That(error.Message, Does.Contain("middle of a reply"));
    }

    [Test]
    public async Task A_close_before_the_sync_answer_fails_the_connection_attempt()
    {
        var agent = new FakeGuestAgent();
        Task<GuestAgentClient> connecting = GuestAgentClient.ConnectAsync(agent.ClientStream, Options);
        await agent.ReadRequestAsync();
        await agent.SendRawAsync("{\"return\": 1"u8.ToArray());
        await agent.CloseAsync();
        var error = await Assert.ThrowsAsync<GuestAgentConnectionClosedException>(() => connecting);
        Assert.That(error!.Message, Does.Contain("guest-sync-delimited"));
    }

    [Test]
    public async Task A_sync_answer_with_another_id_fails_the_connection_attempt()
    {
        var agent = new FakeGuestAgent();
        Task<GuestAgentClient> connecting = GuestAgentClient.ConnectAsync(agent.ClientStream, Options);
        await agent.ReadRequestAsync();
        await agent.SendRawAsync((byte[])[0xFF, .. "{\"return\": 1}\n"u8]);
        var error = await Assert.ThrowsAsync<GuestAgentProtocolException>(() => connecting);
        Assert.That(error!.Message, Does.Contain("not the id"));
    }
}
