using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Commands: sending a request, matching its reply by id, and the typed helpers built on that.</summary>
public sealed partial class QmpClient
{
    /// <summary>Runs <paramref name="command"/> without arguments and returns its <c>return</c> value.</summary>
    /// <exception cref="QmpErrorException">QEMU answered with an error.</exception>
    /// <exception cref="QmpConnectionClosedException">The connection ended before the reply.</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="QmpClientOptions.CommandTimeout"/>.</exception>
    public Task<JsonElement> ExecuteAsync(string command, CancellationToken cancellationToken = default) =>
        ExecuteCoreAsync(command, writeArguments: null, cancellationToken);

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/> (or none when <see langword="null"/>) and returns its <c>return</c> value.</summary>
    /// <inheritdoc cref="ExecuteAsync(string, CancellationToken)" path="/exception"/>
    public Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken = default) =>
        ExecuteCoreAsync(command, arguments is null ? null : writer => arguments.WriteTo(writer), cancellationToken);

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/>, a JSON object, and returns its <c>return</c> value.</summary>
    /// <inheritdoc cref="ExecuteAsync(string, CancellationToken)" path="/exception"/>
    public Task<JsonElement> ExecuteAsync(string command, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"QMP arguments must be a JSON object, not {arguments.ValueKind}.", nameof(arguments));
        }
        return ExecuteCoreAsync(command, arguments.WriteTo, cancellationToken);
    }

    /// <summary>QEMU's version (<c>query-version</c>).</summary>
    public async Task<QmpVersionInfo> QueryVersionAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-version", await ExecuteAsync("query-version", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpVersionInfo).WithMissingMembersDefaulted();

    /// <summary>The VM's run state (<c>query-status</c>).</summary>
    public async Task<QmpStatusInfo> QueryStatusAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-status", await ExecuteAsync("query-status", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpStatusInfo);

    /// <summary>Whether KVM is present and in use (<c>query-kvm</c>).</summary>
    public async Task<QmpKvmInfo> QueryKvmAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-kvm", await ExecuteAsync("query-kvm", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpKvmInfo);

    /// <summary>The VM's block devices (<c>query-block</c>).</summary>
    public async Task<IReadOnlyList<QmpBlockInfo>> QueryBlockAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-block", await ExecuteAsync("query-block", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpBlockInfoArray);

    /// <summary>Pauses the guest CPUs (<c>stop</c>; QEMU emits <c>STOP</c>).</summary>
    public Task PauseAsync(CancellationToken cancellationToken = default) => ExecuteAsync("stop", cancellationToken);

    /// <summary>Resumes the guest CPUs (<c>cont</c>; QEMU emits <c>RESUME</c>).</summary>
    public Task ResumeAsync(CancellationToken cancellationToken = default) => ExecuteAsync("cont", cancellationToken);

    /// <summary>Resets the machine (<c>system_reset</c>).</summary>
    public Task SystemResetAsync(CancellationToken cancellationToken = default) => ExecuteAsync("system_reset", cancellationToken);

    /// <summary>Presses the ACPI power button (<c>system_powerdown</c>); the guest decides whether to shut down.</summary>
    public Task SystemPowerdownAsync(CancellationToken cancellationToken = default) => ExecuteAsync("system_powerdown", cancellationToken);

    /// <summary>Makes QEMU exit at once (<c>quit</c>).</summary>
    public Task QuitAsync(CancellationToken cancellationToken = default) => ExecuteAsync("quit", cancellationToken);

    /// <summary>Runs a human monitor (HMP) command line, e.g. <c>info registers</c>, and returns its text output.</summary>
    public async Task<string> HumanMonitorCommandAsync(string commandLine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        JsonElement result = await ExecuteCoreAsync(
            "human-monitor-command",
            writer => JsonSerializer.Serialize(writer, new HumanMonitorCommandArguments(commandLine), QmpJsonContext.Default.HumanMonitorCommandArguments),
            cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.String
            ? result.GetString()!
            : throw new QmpProtocolException($"The reply of 'human-monitor-command' is a {result.ValueKind}, not a string.");
    }

    private Task<JsonElement> ExecuteCoreAsync(string command, Action<Utf8JsonWriter>? writeArguments, CancellationToken cancellationToken) =>
        ExecuteCoreAsync(command, writeArguments, cancellationToken, _options.CommandTimeout);

    private async Task<JsonElement> ExecuteCoreAsync(string command, Action<Utf8JsonWriter>? writeArguments, CancellationToken cancellationToken, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ObjectDisposedException.ThrowIf(_channel.IsDisposed, this);
        long id = Interlocked.Increment(ref _lastId);
        var pending = new PendingCommand(command);
        _pending[id] = pending;
        try
        {
            // Close() sets the reason before it fails the pending commands, so a command added after that is caught here.
            if (CloseReason is { } reason)
            {
                throw new QmpConnectionClosedException($"QMP command '{command}' cannot be sent: the connection has ended: {reason.Message}", reason);
            }
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                timeoutSource.CancelAfter(timeout);
            }
            try
            {
                await WriteRequestAsync(QmpWire.BuildRequest(command, id, writeArguments), command, timeoutSource.Token).ConfigureAwait(false);
                QmpLog.Sending(_logger, command, id);
                return await pending.Reply.Task.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"QMP command '{command}' got no reply within {timeout.TotalSeconds:0.###} s.");
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task WriteRequestAsync(byte[] request, string command, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (CloseReason is { } reason)
            {
                throw new QmpConnectionClosedException($"QMP command '{command}' cannot be sent: the connection has ended: {reason.Message}", reason);
            }
            await _writer.WriteAsync(request, _channel.Lifetime).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException && e is not QmpConnectionClosedException)
        {
            var closed = new QmpConnectionClosedException($"QMP command '{command}' could not be sent: {e.Message}", e);
            Close(closed);
            throw closed;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static TValue Deserialize<TValue>(string command, JsonElement reply, JsonTypeInfo<TValue> typeInfo) =>
        QmpWire.Deserialize(command, reply, typeInfo, Protocol);

    private sealed class PendingCommand(string command)
    {
        public string Command { get; } = command;

        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
