using System.Text.Json;
using System.Text.Json.Nodes;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>The typed guest agent commands.</summary>
public sealed partial class GuestAgentClient
{
    /// <summary>Checks the agent answers (<c>guest-ping</c>).</summary>
    public Task PingAsync(CancellationToken cancellationToken = default) => ExecuteAsync("guest-ping", null, cancellationToken);

    /// <summary>The agent's version and commands (<c>guest-info</c>).</summary>
    public async Task<GuestAgentInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        QmpWire.Deserialize("guest-info", await ExecuteAsync("guest-info", null, cancellationToken).ConfigureAwait(false), GuestAgentJsonContext.Default.GuestAgentInfo, Protocol)
            .WithMissingMembersDefaulted();

    /// <summary>The guest operating system (<c>guest-get-osinfo</c>).</summary>
    public async Task<GuestOsInfo> GetOsInfoAsync(CancellationToken cancellationToken = default) =>
        QmpWire.Deserialize("guest-get-osinfo", await ExecuteAsync("guest-get-osinfo", null, cancellationToken).ConfigureAwait(false), GuestAgentJsonContext.Default.GuestOsInfo, Protocol);

    /// <summary>Starts <paramref name="path"/> with <paramref name="arguments"/> in the guest (<c>guest-exec</c>) and returns its pid.</summary>
    public async Task<long> ExecAsync(string path, IReadOnlyList<string>? arguments = null, bool captureOutput = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var args = new JsonArray();
        foreach (string argument in arguments ?? [])
        {
            args.Add((JsonNode?)JsonValue.Create(argument));
        }
        JsonElement reply = await ExecuteAsync("guest-exec", new JsonObject { ["path"] = path, ["arg"] = args, ["capture-output"] = captureOutput }, cancellationToken).ConfigureAwait(false);
        return reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("pid", out JsonElement pid) && TryGetInteger(pid, out long value)
            ? value
            : throw new GuestAgentProtocolException($"guest-exec answered without a pid: {reply.GetRawText()}");
    }

    /// <summary>The state of process <paramref name="pid"/> started by <see cref="ExecAsync"/> (<c>guest-exec-status</c>).</summary>
    public async Task<GuestExecStatus> GetExecStatusAsync(long pid, CancellationToken cancellationToken = default)
    {
        JsonElement reply = await ExecuteAsync("guest-exec-status", new JsonObject { ["pid"] = pid }, cancellationToken).ConfigureAwait(false);
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty("exited", out JsonElement exited) || exited.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new GuestAgentProtocolException($"guest-exec-status answered without 'exited': {reply.GetRawText()}");
        }
        return new GuestExecStatus(exited.GetBoolean(), OptionalInt(reply, "exitcode"), OptionalInt(reply, "signal"), Base64(reply, "out-data"), Base64(reply, "err-data"));
    }

    /// <summary>Runs <paramref name="path"/> in the guest and polls until it ends (or <paramref name="timeout"/> passes).</summary>
    /// <exception cref="TimeoutException">The process did not end in time.</exception>
    public async Task<GuestExecStatus> RunAsync(string path, IReadOnlyList<string>? arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long pid = await ExecAsync(path, arguments, captureOutput: true, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        TimeSpan pause = TimeSpan.FromMilliseconds(10);
        try
        {
            while (true)
            {
                GuestExecStatus status = await GetExecStatusAsync(pid, deadline.Token).ConfigureAwait(false);
                if (status.Exited)
                {
                    return status;
                }
                await Task.Delay(pause, deadline.Token).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{path}' (pid {pid}) did not end in the guest within {timeout.TotalSeconds:0.###} s.");
        }
    }

    /// <summary>Opens <paramref name="path"/> in the guest (<c>guest-file-open</c>, <paramref name="mode"/> as for fopen) and returns the handle.</summary>
    public async Task<long> OpenFileAsync(string path, string mode = "r", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        JsonElement reply = await ExecuteAsync("guest-file-open", new JsonObject { ["path"] = path, ["mode"] = mode }, cancellationToken).ConfigureAwait(false);
        return TryGetInteger(reply, out long handle) ? handle : throw new GuestAgentProtocolException($"guest-file-open answered {reply.GetRawText()}, not a handle.");
    }

    /// <summary>Reads up to <paramref name="count"/> bytes from <paramref name="handle"/> (<c>guest-file-read</c>).</summary>
    public async Task<GuestFileChunk> ReadFileAsync(long handle, int count = 64 * 1024, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        JsonElement reply = await ExecuteAsync("guest-file-read", new JsonObject { ["handle"] = handle, ["count"] = count }, cancellationToken).ConfigureAwait(false);
        bool eof = reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("eof", out JsonElement end) && end.ValueKind == JsonValueKind.True;
        return new GuestFileChunk(Base64(reply, "buf-b64"), eof);
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="handle"/> (<c>guest-file-write</c>) and returns how many bytes were written.</summary>
    public async Task<int> WriteFileAsync(long handle, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        JsonElement reply = await ExecuteAsync("guest-file-write", new JsonObject { ["handle"] = handle, ["buf-b64"] = Convert.ToBase64String(data.Span) }, cancellationToken).ConfigureAwait(false);
        return OptionalInt(reply, "count") ?? throw new GuestAgentProtocolException($"guest-file-write answered without a count: {reply.GetRawText()}");
    }

    /// <summary>Closes <paramref name="handle"/> (<c>guest-file-close</c>).</summary>
    public Task CloseFileAsync(long handle, CancellationToken cancellationToken = default) =>
        ExecuteAsync("guest-file-close", new JsonObject { ["handle"] = handle }, cancellationToken);

    /// <summary>
    /// Asks the guest to power down, halt or reboot (<c>guest-shutdown</c>, <paramref name="mode"/> <c>powerdown</c>,
    /// <c>halt</c> or <c>reboot</c>). The agent does not answer on success, so this returns once the request is sent.
    /// </summary>
    public async Task ShutdownAsync(string mode = "powerdown", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mode);
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_needsSync)
            {
                await SyncCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            await _stream.WriteAsync(Request("guest-shutdown", new JsonObject { ["mode"] = mode }), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            // An error reply (say, shutdown refused) would otherwise be taken for the next command's.
            _needsSync = true;
        }
        finally
        {
            _commandLock.Release();
        }
    }

    private static int? OptionalInt(JsonElement reply, string member) =>
        reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty(member, out JsonElement value) && TryGetInteger(value, out long number)
            && number is >= int.MinValue and <= int.MaxValue ? (int)number : null;

    /// <summary>
    /// Whether <paramref name="value"/> is a JSON integer that fits 64 bits. <see cref="JsonElement.TryGetInt64"/> alone
    /// throws <see cref="InvalidOperationException"/> for a string or an object (found by fuzzing: a <c>guest-file-open</c>
    /// answered with an object), which must be the agent's protocol error, not the caller's.
    /// </summary>
    private static bool TryGetInteger(JsonElement value, out long number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out number);
    }

    private static byte[] Base64(JsonElement reply, string member)
    {
        if (reply.ValueKind != JsonValueKind.Object || !reply.TryGetProperty(member, out JsonElement value) || value.ValueKind != JsonValueKind.String)
        {
            return [];
        }
        try
        {
            return value.GetBytesFromBase64();
        }
        catch (FormatException e)
        {
            throw new GuestAgentProtocolException($"The guest agent's '{member}' is not valid base64.", e);
        }
    }
}
