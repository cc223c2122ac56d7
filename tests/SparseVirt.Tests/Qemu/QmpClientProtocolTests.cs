using System.Text.Json;
using System.Text.Json.Nodes;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Tests.Qemu;

/// <summary>The QMP client against a scripted in-memory server: protocol edge cases QEMU itself rarely produces.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class QmpClientProtocolTests
{
    private static readonly QmpClientOptions FastOptions = QmpClientOptions.Default.WithNegotiationTimeout(TimeSpan.FromSeconds(10)).WithCommandTimeout(TimeSpan.FromSeconds(10));

    private static async Task<(QmpClient Client, FakeQmpServer Server)> ConnectAsync(QmpClientOptions? options = null)
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, options ?? FastOptions);
        await server.NegotiateAsync();
        return (await connecting, server);
    }

    [Test]
    public async Task Negotiation_reads_the_greeting_and_sends_qmp_capabilities_without_enabling_anything()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, FastOptions);
        await server.SendAsync(FakeQmpServer.Greeting);
        JsonElement request = await server.ReadRequestAsync();
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("qmp_capabilities"));
        Assert.That(request.TryGetProperty("arguments", out _), Is.False, "no capability is enabled");
        await server.SendAsync($$"""{"return": {}, "id": {{request.GetProperty("id").GetRawText()}}}""");
        await using QmpClient client = await connecting;
        Assert.That(client.Greeting.Version.Qemu.ToVersion(), Is.EqualTo(new Version(9, 2, 1)));
        Assert.That(client.Greeting.Version.Package, Is.EqualTo("fake"));
        Assert.That(client.Greeting.Capabilities, Is.EqualTo(new[] { "oob" }));
    }

    [Test]
    public async Task A_greeting_without_capabilities_is_accepted_with_none()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, FastOptions);
        await server.NegotiateAsync("""{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 8}, "package": ""}}}""");
        await using QmpClient client = await connecting;
        Assert.That(client.Greeting.Capabilities, Is.Empty);
        Assert.That(client.Greeting.Version.Qemu.Major, Is.EqualTo(8));
    }

    [Test]
    public async Task A_first_message_that_is_not_a_greeting_is_a_protocol_error()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, FastOptions);
        await server.SendAsync("""{"return": {}}""");
        var error = await Assert.ThrowsAsync<QmpProtocolException>(() => connecting);
        Assert.That(error!.Message, Does.Contain("greeting"));
    }

    [Test]
    public async Task A_missing_greeting_times_out()
    {
        var server = new FakeQmpServer();
        var options = FastOptions.WithNegotiationTimeout(TimeSpan.FromMilliseconds(200));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => QmpClient.ConnectAsync(server.ClientPipe, options));
        Assert.That(error!.Message, Does.Contain("greeting"));
        await server.CloseAsync();
    }

    [Test]
    public async Task An_error_reply_becomes_a_QmpErrorException_with_class_and_description()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<JsonElement> command = client.ExecuteAsync("no-such-command");
        JsonElement request = await server.ReadRequestAsync();
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("no-such-command"));
        await server.SendAsync($$$"""{"id": {{{request.GetProperty("id").GetRawText()}}}, "error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}}""");
        var error = await Assert.ThrowsAsync<QmpErrorException>(() => command);
        Assert.That(error!.ErrorClass, Is.EqualTo("CommandNotFound"));
        Assert.That(error.Description, Is.EqualTo("The command no-such-command has not been found"));
        Assert.That(error.Command, Is.EqualTo("no-such-command"));
    }

    [Test]
    public async Task Replies_are_matched_by_id_with_several_commands_in_flight_and_events_interleaved()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<QmpEvent> stopped = client.WaitForEventAsync("STOP", TimeSpan.FromSeconds(10));
        Task<JsonElement> first = client.ExecuteAsync("first", new JsonObject { ["n"] = 1 });
        Task<JsonElement> second = client.ExecuteAsync("second");
        JsonElement firstRequest = await server.ReadRequestAsync();
        JsonElement secondRequest = await server.ReadRequestAsync();
        Assert.That(firstRequest.GetProperty("arguments").GetProperty("n").GetInt32(), Is.EqualTo(1));
        Assert.That(firstRequest.GetProperty("id").GetRawText(), Is.Not.EqualTo(secondRequest.GetProperty("id").GetRawText()));

        await server.SendAsync("""{"timestamp": {"seconds": 1700000000, "microseconds": 250000}, "event": "STOP"}""");
        await server.SendAsync($$"""{"return": "two", "id": {{secondRequest.GetProperty("id").GetRawText()}}}""");
        await server.SendAsync("""{"timestamp": {"seconds": -1, "microseconds": -1}, "event": "RESUME"}""");
        await server.SendAsync($$"""{"return": {"value": 1}, "id": {{firstRequest.GetProperty("id").GetRawText()}}}""");

        Assert.That((await second).GetString(), Is.EqualTo("two"));
        Assert.That((await first).GetProperty("value").GetInt32(), Is.EqualTo(1));
        QmpEvent stop = await stopped;
        Assert.That(stop.Timestamp, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(250)));
        var events = new List<QmpEvent>();
        await foreach (QmpEvent e in client.ReadEventsAsync())
        {
            events.Add(e);
            if (events.Count == 2)
            {
                break;
            }
        }
        Assert.That(events.Select(e => e.Name), Is.EqualTo(new[] { "STOP", "RESUME" }));
        Assert.That(events[1].Timestamp, Is.Null, "QEMU sends -1 when it has no clock");
    }

    [Test]
    public async Task A_message_split_across_many_reads_is_reassembled()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<string> command = client.HumanMonitorCommandAsync("info version");
        JsonElement request = await server.ReadRequestAsync();
        Assert.That(request.GetProperty("arguments").GetProperty("command-line").GetString(), Is.EqualTo("info version"));
        // One byte per read, so the multi-byte UTF-8 character is split too.
        await server.SendInPiecesAsync($$"""{"return": "ünïcode 7.2\r\n", "id": {{request.GetProperty("id").GetRawText()}}}""", pieceBytes: 1);
        Assert.That(await command, Is.EqualTo("ünïcode 7.2\r\n"));
    }

    [Test]
    public async Task An_over_long_message_fails_the_connection_with_a_clear_error()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync(FastOptions.WithMaxMessageBytes(1024));
        await using QmpClient _ = client;
        Task<JsonElement> command = client.ExecuteAsync("query-something");
        await server.ReadRequestAsync();
        await server.SendRawAsync(new byte[4096].Select(_ => (byte)'x').ToArray());
        var error = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => command);
        Assert.That(error!.InnerException, Is.TypeOf<QmpProtocolException>());
        Assert.That(error.Message, Does.Contain("1024 bytes"));
        await client.Completion;
        Assert.That(client.CloseReason, Is.TypeOf<QmpProtocolException>());
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => client.ExecuteAsync("after-close"));
    }

    [Test]
    public async Task A_connection_closing_mid_message_fails_pending_commands_and_event_waits()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<QmpEvent> waiting = client.WaitForEventAsync("SHUTDOWN", TimeSpan.FromSeconds(10));
        Task<JsonElement> command = client.ExecuteAsync("query-status");
        JsonElement request = await server.ReadRequestAsync();
        await server.SendRawAsync(System.Text.Encoding.UTF8.GetBytes($$"""{"return": {"running": tr"""));
        await server.CloseAsync();
        var error = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => command);
        Assert.That(error!.Message, Does.Contain("query-status").And.Contain("middle of a message"));
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => waiting);
        Assert.That(request.GetProperty("execute").GetString(), Is.EqualTo("query-status"));
    }

    // The specification asks clients to drop replies to ids they no longer wait for; a late error is such a reply too,
    // not one that answers no command sent.
    [TestCase("""{"return": "late", "id": ID}""")]
    [TestCase("""{"id": ID, "error": {"class": "GenericError", "desc": "too late"}}""")]
    public async Task A_command_without_reply_times_out_and_its_late_reply_is_dropped(string lateReply)
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync(FastOptions.WithCommandTimeout(TimeSpan.FromMilliseconds(200)));
        await using QmpClient _ = client;
        Task<JsonElement> slow = client.ExecuteAsync("slow");
        JsonElement slowRequest = await server.ReadRequestAsync();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => slow);
        Assert.That(error!.Message, Does.Contain("'slow'"));

        await server.SendAsync(lateReply.Replace("ID", slowRequest.GetProperty("id").GetRawText(), StringComparison.Ordinal));
        Task<QmpStatusInfo> status = client.QueryStatusAsync();
        JsonElement statusRequest = await server.ReadRequestAsync();
        await server.SendAsync($$"""{"return": {"status": "paused", "singlestep": false, "running": false}, "id": {{statusRequest.GetProperty("id").GetRawText()}}}""");
        QmpStatusInfo info = await status;
        Assert.That(info.Status, Is.EqualTo("paused"));
        Assert.That(info.Running, Is.False);
        Assert.That(client.CloseReason, Is.Null);
    }

    [TestCase("""{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword 'x'"}}""", "(none)")]
    [TestCase("""{"id": 9999, "error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword 'x'"}}""", "9999")]
    public async Task An_error_answering_no_command_sent_fails_what_is_pending_at_once_and_ends_the_connection(string uncorrelated, string id)
    {
        // The commands would wait 20 s for their own replies; they must fail as soon as the error arrives.
        (QmpClient client, FakeQmpServer server) = await ConnectAsync(FastOptions.WithCommandTimeout(TimeSpan.FromSeconds(20)));
        await using QmpClient _ = client;
        Task<QmpEvent> waiting = client.WaitForEventAsync("SHUTDOWN", TimeSpan.FromSeconds(20));
        Task<JsonElement> first = client.ExecuteAsync("first");
        Task<QmpStatusInfo> second = client.QueryStatusAsync();
        await server.ReadRequestAsync();
        await server.ReadRequestAsync();
        await server.SendAsync(uncorrelated);

        var error = await Assert.ThrowsAsync<QmpConnectionClosedException>(() => first.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.That(error!.Message, Does.Contain("'first'").And.Contain("answers no command").And.Contain("JSON parse error"));
        Assert.That(error.InnerException, Is.TypeOf<QmpProtocolException>());
        Assert.That(error.InnerException!.Message, Does.Contain($"id {id}"));
        Assert.That(error, Is.InstanceOf<QemuProtocolException>().And.InstanceOf<IOException>());
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => second.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        await client.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(client.CloseReason, Is.TypeOf<QmpProtocolException>());
        await Assert.ThrowsAsync<QmpConnectionClosedException>(() => client.ExecuteAsync("after-close"));
    }

    [Test]
    public async Task A_reply_of_the_wrong_shape_is_a_protocol_error_naming_the_command()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<QmpKvmInfo> kvm = client.QueryKvmAsync();
        JsonElement request = await server.ReadRequestAsync();
        await server.SendAsync($$"""{"return": {"enabled": "yes"}, "id": {{request.GetProperty("id").GetRawText()}}}""");
        var error = await Assert.ThrowsAsync<QmpProtocolException>(() => kvm);
        Assert.That(error!.Message, Does.Contain("query-kvm"));
    }
    [Test]
    public async Task An_event_with_an_out_of_range_timestamp_is_delivered_without_one_and_the_connection_stays_usable()
    {
        (QmpClient client, FakeQmpServer server) = await ConnectAsync();
        await using QmpClient _ = client;
        Task<QmpEvent> huge = client.WaitForEventAsync("HUGE", TimeSpan.FromSeconds(10));
        Task<QmpEvent> badMicroseconds = client.WaitForEventAsync("BAD_MICROSECONDS", TimeSpan.FromSeconds(10));
        await server.SendAsync("""{"event": "HUGE", "timestamp": {"seconds": 9223372036854775807, "microseconds": 0}}""");
        await server.SendAsync("""{"event": "BAD_MICROSECONDS", "timestamp": {"seconds": 1700000000, "microseconds": 9223372036854775807}}""");
        Assert.That((await huge).Timestamp, Is.Null);
        Assert.That((await badMicroseconds).Timestamp, Is.Null);

        Task<QmpStatusInfo> status = client.QueryStatusAsync();
        JsonElement request = await server.ReadRequestAsync();
        await server.SendAsync($$"""{"return": {"status": "running", "running": true}, "id": {{request.GetProperty("id").GetRawText()}}}""");
        Assert.That((await status).Running, Is.True);
        Assert.That(client.CloseReason, Is.Null);
    }

    [Test]
    public async Task An_event_before_the_greeting_and_one_between_qmp_capabilities_and_its_reply_are_not_lost()
    {
        var server = new FakeQmpServer();
        Task<QmpClient> connecting = QmpClient.ConnectAsync(server.ClientPipe, FastOptions);
        await server.SendAsync("""{"event": "EARLY", "data": {"n": 1}, "timestamp": {"seconds": 1700000000, "microseconds": 0}}""");
        await server.SendAsync(FakeQmpServer.Greeting);
        JsonElement negotiation = await server.ReadRequestAsync();
        await server.SendAsync("""{"event": "DURING", "data": {"n": 2}, "timestamp": {"seconds": 1700000001, "microseconds": 0}}""");
        await server.SendAsync($$"""{"return": {}, "id": {{negotiation.GetProperty("id").GetRawText()}}}""");
        await using QmpClient client = await connecting;

        QmpEvent early = await client.WaitForEventAsync("EARLY", null, TimeSpan.FromSeconds(5), QmpEventMark.ConnectionStart);
        QmpEvent during = await client.WaitForEventAsync("DURING", null, TimeSpan.FromSeconds(5), QmpEventMark.ConnectionStart);
        Assert.That(early.Data.GetProperty("n").GetInt32(), Is.EqualTo(1));
        Assert.That(during.Data.GetProperty("n").GetInt32(), Is.EqualTo(2));
        Assert.That(client.Greeting.Version.Package, Is.EqualTo("fake"));

        QmpEventMark mark = client.MarkEvents();
        await server.SendAsync("""{"event": "LATER", "timestamp": {"seconds": 1700000002, "microseconds": 0}}""");
        // The event is in before the wait starts; the mark still finds it.
        await Task.Delay(100);
        Assert.That((await client.WaitForEventAsync("LATER", null, TimeSpan.FromSeconds(5), mark)).Name, Is.EqualTo("LATER"));
        Assert.That(
            async () => await client.WaitForEventAsync("EARLY", null, TimeSpan.FromMilliseconds(200), mark),
            Throws.InstanceOf<TimeoutException>(),
            "a wait from a mark ignores what came before it");
    }
}
