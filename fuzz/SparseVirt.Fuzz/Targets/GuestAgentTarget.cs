using System.Text;
using SparseVirt.Qemu.GuestAgent;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// The guest agent client against a scripted agent playing the input (see <see cref="ScriptedPeer"/>; the client
/// speaks first, so turn 0 answers the connection's <c>guest-sync-delimited</c>): the 0xFF resynchronisation, line
/// framing, replies and errors, and the typed commands' parsing (info, OS info, exec and its status, file open, read,
/// write and close, a second sync, an unknown command). Sync ids are fixed (1001, 1002, ... for each sync sent), so an
/// input always runs the same way.
/// </summary>
internal sealed class GuestAgentTarget : FuzzTarget
{
    /// <summary>The first sync id; each later sync takes the next.</summary>
    public const long FirstSyncId = 1001;

    private static readonly GuestAgentClientOptions Options = GuestAgentClientOptions.Default
        .WithSyncTimeout(TimeSpan.FromSeconds(2))
        .WithCommandTimeout(TimeSpan.FromSeconds(2))
        .WithMaxMessageBytes(64 * 1024);

    public override string Name => "guest-agent";

    public override string Description => "GuestAgentClient: sync and eleven commands over an in-memory stream whose agent plays the input";

    public override void Run(byte[] input) => RunAsync(input).GetAwaiter().GetResult();

    public override bool IsExpected(Exception exception) => IsExpectedFailure(exception);

    public override IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds()
    {
        yield return ("session", Script(
            "\xFF{\"return\": 1001}",
            "{\"return\": {}}",
            """{"return": {"version": "8.2.2", "supported_commands": [{"enabled": true, "name": "guest-ping", "success-response": true}, {"enabled": false, "name": "guest-shutdown", "success-response": false}]}}""",
            """{"return": {"name": "Debian GNU/Linux", "kernel-release": "6.1.0-13-amd64", "version": "12 (bookworm)", "pretty-name": "Debian GNU/Linux 12 (bookworm)", "version-id": "12", "kernel-version": "#1 SMP", "machine": "x86_64", "id": "debian"}}""",
            """{"return": {"pid": 4242}}""",
            """{"return": {"exitcode": 0, "out-data": "aGVsbG8K", "err-data": "", "exited": true}}""",
            """{"return": 1000}""",
            """{"return": {"count": 5, "buf-b64": "aGVsbG8=", "eof": true}}""",
            """{"return": {"count": 5, "eof": false}}""",
            """{"return": {}}""",
            "\xFF{\"return\": 1002}",
            """{"error": {"class": "CommandNotFound", "desc": "The command fuzz-command has not been found"}}"""));
        // Stale replies and the agent's complaint about the 0xFF before its own 0xFF; errors; a process still running.
        yield return ("stale-errors-running", Script(
            "{\"return\": {}}\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid JSON syntax\"}}\n\xFF{\"return\": 1001}",
            """{"error": {"class": "GenericError", "desc": "guest-ping is disabled"}}""",
            """{"return": {"version": "2.5", "supported_commands": []}}""",
            """{"return": {}}""",
            """{"return": {"pid": 1}}""",
            """{"return": {"exited": false}}""",
            """{"error": {"class": "GenericError", "desc": "failed to open file 'x' (mode: 'r'): No such file or directory"}}""",
            """{"return": {"count": 0, "buf-b64": "", "eof": true}}""",
            """{"error": {"class": "GenericError", "desc": "handle 1000 not found"}}""",
            """{"return": {}}""",
            "\xFF{\"return\": 999}"));
        // A process ended by a signal, CR LF line ends, blank lines, and a sync answered late (after a stray line).
        yield return ("signal-crlf", Script(
            "\r\n\xFF\r\n{\"return\": 1001}\r\n",
            "{\"return\":{}}\r\n",
            """{"return": {"version": "9.0.0", "supported_commands": [{"enabled": true, "name": "guest-exec", "success-response": true}]}}""" + "\r\n",
            """{"return": {"id": "mswindows", "name": "Microsoft Windows", "machine": "x86_64"}}""",
            """{"return": {"pid": 77}}""",
            """{"return": {"signal": 9, "exited": true, "out-data": "", "err-data": "S2lsbGVkCg=="}}"""));
    }

    /// <summary>Turns joined with NUL, each ending in a line feed; Latin-1, so "\xFF" is the byte 0xFF.</summary>
    private static byte[] Script(params string[] turns) => Encoding.Latin1.GetBytes(string.Join("\0", turns.Select(t => t + "\n")));

    /// <summary>What a command (or the connection) may fail with: the client's documented exceptions, and for a closed channel, why.</summary>
    private static bool IsExpectedFailure(Exception exception) =>
        exception is GuestAgentProtocolException or GuestAgentErrorException or TimeoutException
        || (exception is GuestAgentConnectionClosedException && IsExpectedCause(exception.InnerException));

    private static bool IsExpectedCause(Exception? cause) =>
        cause is null or GuestAgentProtocolException or GuestAgentConnectionClosedException or TimeoutException || (cause is IOException && cause.GetType() == typeof(IOException));

    private static async Task RunAsync(byte[] input)
    {
        // One request at a time: a turn that answers nothing costs the whole wait, so it is short.
        var peer = new ScriptedPeer(TimeSpan.FromMilliseconds(40));
        // Each turn answers one request: the connection's sync, then one per command below.
        Task playing = peer.PlayAsync(input, Enumerable.Repeat(1, ScriptedPeer.MaxTurns).ToArray(), clientSpeaksFirst: true);
        long nextId = FirstSyncId;
        GuestAgentClientOptions options = Options.WithSyncIdSource(() => nextId++);
        try
        {
            await using GuestAgentClient client = await GuestAgentClient.ConnectAsync(peer.ClientStream, options).ConfigureAwait(false);
            Func<Task>[] commands =
            [
                () => client.PingAsync(),
                async () => CheckInfo(await client.GetInfoAsync().ConfigureAwait(false)),
                () => client.GetOsInfoAsync(),
                () => client.ExecAsync("/bin/echo", ["hello"]),
                async () => CheckStatus(await client.GetExecStatusAsync(4242).ConfigureAwait(false)),
                () => client.OpenFileAsync("/etc/hostname"),
                async () => CheckChunk(await client.ReadFileAsync(1000, 4096).ConfigureAwait(false)),
                () => client.WriteFileAsync(1000, "hello"u8.ToArray()),
                () => client.CloseFileAsync(1000),
                () => client.SyncAsync(),
                () => client.ExecuteAsync("fuzz-command"),
            ];
            foreach (Func<Task> command in commands)
            {
                try
                {
                    await command().ConfigureAwait(false);
                }
                catch (Exception e) when (IsExpectedFailure(e))
                {
                    // Each command is judged on its own; the next one runs (resynchronising first after a timeout).
                }
            }
        }
        finally
        {
            await playing.ConfigureAwait(false);
        }
    }

    private static void CheckInfo(GuestAgentInfo info)
    {
        if (info.Version is null || info.SupportedCommands is null || info.SupportedCommands.Any(c => c?.Name is null))
        {
            throw new FuzzFindingException($"guest-info gave a null where its type promises a value: version {info.Version ?? "null"}, {(info.SupportedCommands is null ? "no command list" : string.Join(", ", info.SupportedCommands.Select(c => c?.Name ?? "null")))}.");
        }
    }

    private static void CheckStatus(GuestExecStatus status)
    {
        if (status.StandardOutput is null || status.StandardError is null)
        {
            throw new FuzzFindingException("guest-exec-status gave null output.");
        }
    }

    private static void CheckChunk(GuestFileChunk chunk)
    {
        if (chunk.Data is null)
        {
            throw new FuzzFindingException("guest-file-read gave null data.");
        }
    }
}
