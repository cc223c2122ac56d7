using System.Text;
using System.Text.Json;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// The QMP client against a hostile peer: endless lines, invalid UTF-8, deeply nested JSON, a close in the middle of a
/// message. Every pending call must fail with a clear exception, and nothing may wait for a timeout: the command
/// timeout here is far longer than the test's own limit, so a hang fails the test instead of passing slowly.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class QmpHostilePeerTests
{
    private static readonly QmpClientOptions Options = QmpClientOptions.Default
        .WithNegotiationTimeout(TimeSpan.FromMinutes(5))
        .WithCommandTimeout(TimeSpan.FromMinutes(5))
        .WithMaxMessageBytes(4096);

    private static async Task<(QmpClient Client, FakeQmpServer Server)> ConnectAsync()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, Options);
        await server.NegotiateAsync();
        return (await connecting, server);
    }

    /// <summary>Starts a command and a wait for an event, and returns them once the server has read the command.</summary>
    private static async Task<(Task<JsonElement> Command, Task<QmpEvent> Wait, string Id)> PendingAsync(QmpClient client, FakeQmpServer server)
    {
        Task<QmpEvent> wait = client.WaitForEventAsync("SHUTDOWN", Options.CommandTimeout);
        Task<JsonElement> command = client.ExecuteAsync("query-status");
        JsonElement request = await server.ReadRequestAsync();
        return (command, wait, request.GetProperty("id").GetRawText());
    }

    private static async Task<QmpConnectionClosedException> AssertAllFailAsync(QmpClient client, Task<JsonElement> command, Task<QmpEvent> wait)
    {
        var error = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => command);
        Assert.That(error!.Message, Does.Contain("query-status"), "the failure names the command");
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => wait);
        await client.Completion;
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => client.ExecuteAsync("after-the-end"));
        return error;
    }

    [Test]
    public async Task An_endless_line_fails_the_pending_calls_once_it_passes_the_message_limit()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        (Task<JsonElement> command, Task<QmpEvent> wait, string _) = await PendingAsync(client, server);
        byte[] piece = Encoding.ASCII.GetBytes(new string('x', 1000));
        // The peer never ends its line; it stops only because the client stops listening.
        // Once the client stops reading, a send may wait for good: the send races the client's end.
        for (int sent = 0; !client.Completion.IsCompleted && sent < 1_000_000; sent++)
        {
            await Task.WhenAny(server.SendRawAsync(piece), client.Completion);
        }
        QmpConnectionClosedException error = await AssertAllFailAsync(client, command, wait);
        Assert.That(error.InnerException, Is.TypeOf<QmpProtocolException>());
        Assert.That(error.Message, Does.Contain("4096 bytes"));
    }

    [Test]
    public async Task Invalid_UTF8_in_a_reply_is_a_protocol_error_that_fails_the_pending_calls()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        (Task<JsonElement> command, Task<QmpEvent> wait, string id) = await PendingAsync(client, server);
        byte[] reply = [.. Encoding.ASCII.GetBytes("{\"return\": \"bad "), 0xC3, 0x28, 0xFF, .. Encoding.ASCII.GetBytes($"\", \"id\": {id}}}\r\n")];
        await server.SendRawAsync(reply);
        QmpConnectionClosedException error = await AssertAllFailAsync(client, command, wait);
        Assert.That(error.InnerException, Is.TypeOf<QmpProtocolException>());
        Assert.That(error.InnerException!.Message, Does.Contain("not valid UTF-8"));
    }

    [Test]
    public async Task Invalid_UTF8_in_the_greeting_fails_the_connection_attempt()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, Options);
        await server.SendRawAsync((byte[])[.. Encoding.ASCII.GetBytes("{\"QMP\": {\"version\": \""), 0xED, 0xA0, 0x80, .. "\"}}\r\n"u8]);
        var error = await Assert.ThrowsAsync<QmpProtocolException>(() => connecting);
        Assert.That(error!.Message, Does.Contain("not valid UTF-8"));
    }

    [Test]
    public async Task Deeply_nested_JSON_is_a_protocol_error_that_fails_the_pending_calls()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        (Task<JsonElement> command, Task<QmpEvent> wait, string id) = await PendingAsync(client, server);
        const int Depth = 1000; // within the 4096-byte limit, far past any parser's depth limit
        await server.SendAsync($"{{\"return\": {new string('[', Depth)}{new string(']', Depth)}, \"id\": {id}}}");
        QmpConnectionClosedException error = await AssertAllFailAsync(client, command, wait);
        Assert.That(error.InnerException, Is.TypeOf<QmpProtocolException>());
        Assert.That(error.InnerException!.Message, Does.Contain("depth").IgnoreCase);
    }

    [Test]
    public async Task A_close_in_the_middle_of_the_greeting_fails_the_connection_attempt()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, Options);
        await server.SendRawAsync(Encoding.ASCII.GetBytes("{\"QMP\": {\"version\": {\"qemu\""));
        await server.CloseAsync();
        var error = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => connecting);
        Assert.That(error!.Message, Does.Contain("greeting"));
    }

    [Test]
    public async Task A_close_after_half_a_reply_fails_every_pending_call_with_the_reason()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        (Task<JsonElement> command, Task<QmpEvent> wait, string id) = await PendingAsync(client, server);
        Task<QmpKvmInfo> second = client.QueryKvmAsync();
        await server.ReadRequestAsync();
        await server.SendRawAsync(Encoding.ASCII.GetBytes($"{{\"id\": {id}, \"return\": {{\"status\": \"runn"));
        await server.CloseAsync();
        QmpConnectionClosedException error = await AssertAllFailAsync(client, command, wait);
        Assert.That(error.Message, Does.Contain("middle of a message"));
        var secondError = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => second);
        Assert.That(secondError!.Message, Does.Contain("query-kvm"));
    }

    [Test]
    public async Task An_event_whose_timestamp_members_are_not_numbers_is_delivered_without_a_time()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<QmpEvent> wait = client.WaitForEventAsync("STOP", Options.CommandTimeout);
        // Found by review beside the guest-agent fuzzing: JsonElement.TryGetInt64 throws for a string, which ended the connection.
        await server.SendAsync("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": \"1700000000\", \"microseconds\": {}}}");
        QmpEvent stop = await wait;
        Assert.That(stop.Timestamp, Is.Null);
        Task<JsonElement> command = client.ExecuteAsync("query-status");
        JsonElement request = await server.ReadRequestAsync();
        await server.SendAsync($"{{\"return\": {{}}, \"id\": {request.GetProperty("id").GetRawText()}}}");
        await command;
        Assert.That(client.Completion.IsCompleted, Is.False, "the connection goes on");
    }
}
