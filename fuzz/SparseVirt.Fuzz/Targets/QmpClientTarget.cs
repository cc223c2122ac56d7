using System.Text;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// The QMP client against a scripted peer playing the input (see <see cref="ScriptedPeer"/>): framing, the greeting,
/// replies matched to six commands in flight, error replies, events. Rejections must be the QMP exceptions, and
/// whatever ended the connection must be one too: an unexpected exception inside the read loop is a finding even
/// though the client wraps it.
/// </summary>
internal sealed class QmpClientTarget : FuzzTarget
{
    private static readonly QmpClientOptions Options = QmpClientOptions.Default
        .WithNegotiationTimeout(TimeSpan.FromSeconds(3))
        .WithCommandTimeout(TimeSpan.FromSeconds(3))
        .WithMaxMessageBytes(64 * 1024)
        .WithEventBufferCapacity(16);

    public override string Name => "qmp-client";

    public override string Description => "QmpClient.ConnectAsync and six commands over an in-memory duplex pipe whose peer plays the input";

    public override void Run(byte[] input) => RunAsync(input).GetAwaiter().GetResult();

    public override bool IsExpected(Exception exception) =>
        exception is QmpProtocolException or QmpErrorException || (exception is QmpConnectionClosedException && IsExpectedCause(exception.InnerException));

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds()
    {
        const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 1, "minor": 2, "major": 9}, "package": "fuzz"}, "capabilities": ["oob"]}}""";
        yield return ("greeting-only", Script(Greeting, """{"return": {}, "id": 1}"""));
        yield return ("session", Script(
            Greeting,
            """{"return": {}, "id": 1}""",
            """{"return": {"status": "running", "singlestep": false, "running": true}, "id": 2}""" + "\r\n"
            + """{"return": {"qemu": {"micro": 0, "minor": 1, "major": 8}, "package": ""}, "id": 3}""" + "\r\n"
            + """{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "STOP"}""" + "\r\n"
            + """{"return": {"enabled": true, "present": true}, "id": 4}""" + "\r\n"
            + """{"return": [{"device": "disk0", "locked": false, "removable": false, "inserted": {"file": "a.raw", "ro": false, "drv": "raw", "node-name": "n0"}}], "id": 5}""" + "\r\n"
            + """{"return": "QEMU 9.2.1\r\n", "id": 6}""" + "\r\n"
            + """{"id": 7, "error": {"class": "CommandNotFound", "desc": "no such command"}}""" + "\r\n"
            + """{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}, "timestamp": {"seconds": -1, "microseconds": -1}}"""));
    }

    private static byte[] Script(params string[] turns) => Encoding.UTF8.GetBytes(string.Join("\0", turns.Select(t => t + "\r\n")));

    private static bool IsExpectedCause(Exception? cause) =>
        cause is null or QmpProtocolException or QmpConnectionClosedException or TimeoutException || (cause is IOException && cause.GetType() == typeof(IOException));

    private static async Task RunAsync(byte[] input)
    {
        var peer = new ScriptedPeer();
        // The greeting turn is sent at once; the next answers qmp_capabilities; the next the six commands.
        Task playing = peer.PlayAsync(input, [0, 1, 6]);
        try
        {
            await using QmpClient client = await QmpClient.ConnectAsync(peer.ClientPipe, Options).ConfigureAwait(false);
            Task<QmpEvent> shutdown = client.WaitForEventAsync("SHUTDOWN", Options.CommandTimeout);
            Task[] commands =
            [
                client.QueryStatusAsync(),
                client.QueryVersionAsync(),
                client.QueryKvmAsync(),
                client.QueryBlockAsync(),
                client.HumanMonitorCommandAsync("info version"),
                client.ExecuteAsync("fuzz-command"),
            ];
            foreach (Task command in commands.Append(shutdown))
            {
                try
                {
                    await command.ConfigureAwait(false);
                }
                catch (Exception e) when (e is QmpProtocolException or QmpErrorException or QmpConnectionClosedException)
                {
                    // Each command is judged on its own; the connection's end is judged below.
                }
            }
            await client.Completion.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            if (!IsExpectedCause(client.CloseReason))
            {
                throw new FuzzFindingException("The QMP connection ended with an unexpected exception.", client.CloseReason!);
            }
        }
        finally
        {
            await playing.ConfigureAwait(false);
        }
    }
}
