using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Qemu.Qmp;

/// <summary>
/// A QEMU Machine Protocol client over any connected stream or duplex pipe. <see cref="ConnectAsync(Stream, QmpClientOptions?, CancellationToken)"/>
/// reads the greeting and negotiates capabilities; after that commands may be sent from any thread, several at once
/// (replies are matched by <c>id</c>), and events arrive through <see cref="ReadEventsAsync"/> and <see cref="WaitForEventAsync(Func{QmpEvent, bool}, TimeSpan, CancellationToken)"/>.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Stream? _ownedStream;
    private readonly QmpClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly Channel<QmpEvent> _events;
    private readonly List<EventWaiter> _eventWaiters = [];
    private readonly TaskCompletionSource<QmpGreeting> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationToken _lifetimeToken;
    private readonly Lock _closeLock = new();
    private Exception? _closeReason;
    private Task _readLoop = Task.CompletedTask;
    private long _lastId;
    private int _disposed;

    private QmpClient(PipeReader reader, PipeWriter writer, Stream? ownedStream, QmpClientOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 64, nameof(options.MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventBufferCapacity, 1, nameof(options.EventBufferCapacity));
        _reader = reader;
        _writer = writer;
        _ownedStream = ownedStream;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _lifetimeToken = _lifetime.Token;
        _events = Channel.CreateBounded<QmpEvent>(
            new BoundedChannelOptions(options.EventBufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            _ => QmpLog.EventDropped(_logger));
    }

    /// <summary>The server's greeting.</summary>
    public QmpGreeting Greeting { get; private set; } = new();

    /// <summary>Completes when the connection has ended, for whatever reason (see <see cref="CloseReason"/>).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection ended, or <see langword="null"/> while it is open.</summary>
    public Exception? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Reads the greeting from <paramref name="stream"/> and negotiates capabilities, each within <see cref="QmpClientOptions.NegotiationTimeout"/>.</summary>
    /// <exception cref="QmpProtocolException">The peer did not speak QMP.</exception>
    /// <exception cref="TimeoutException">The greeting or the negotiation reply did not arrive in time.</exception>
    public static Task<QmpClient> ConnectAsync(Stream stream, QmpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= QmpClientOptions.Default;
        var client = new QmpClient(
            PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)),
            options.LeaveOpen ? null : stream,
            options);
        return client.NegotiateAsync(cancellationToken);
    }

    /// <summary>Reads the greeting from <paramref name="pipe"/> and negotiates capabilities, each within <see cref="QmpClientOptions.NegotiationTimeout"/>.</summary>
    /// <exception cref="QmpProtocolException">The peer did not speak QMP.</exception>
    /// <exception cref="TimeoutException">The greeting or the negotiation reply did not arrive in time.</exception>
    public static Task<QmpClient> ConnectAsync(IDuplexPipe pipe, QmpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        var client = new QmpClient(pipe.Input, pipe.Output, ownedStream: null, options ?? QmpClientOptions.Default);
        return client.NegotiateAsync(cancellationToken);
    }

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

    /// <summary>
    /// The events as they arrive, until the connection ends. Meant for one reader; when it falls more than
    /// <see cref="QmpClientOptions.EventBufferCapacity"/> events behind, the oldest are dropped.
    /// </summary>
    public IAsyncEnumerable<QmpEvent> ReadEventsAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Waits for the next event that satisfies <paramref name="predicate"/>. The wait starts when this method is called,
    /// so call it before the command that causes the event and await it afterwards.
    /// </summary>
    /// <exception cref="TimeoutException">No such event within <paramref name="timeout"/>.</exception>
    /// <exception cref="QmpConnectionClosedException">The connection ended first.</exception>
    public Task<QmpEvent> WaitForEventAsync(Func<QmpEvent, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new EventWaiter(predicate);
        lock (_eventWaiters)
        {
            if (CloseReason is { } reason)
            {
                return Task.FromException<QmpEvent>(new QmpConnectionClosedException("The QMP connection has ended: " + reason.Message, reason));
            }
            _eventWaiters.Add(waiter);
        }
        return AwaitEventAsync(waiter, timeout, cancellationToken);
    }

    /// <summary>Waits for the next event named <paramref name="name"/>; see <see cref="WaitForEventAsync(Func{QmpEvent, bool}, TimeSpan, CancellationToken)"/>.</summary>
    public Task<QmpEvent> WaitForEventAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(e => e.Name == name, timeout, cancellationToken);

    /// <summary>Closes the connection; commands still waiting fail with <see cref="QmpConnectionClosedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _reader.CancelPendingRead();
        await _readLoop.ConfigureAwait(false);
        Close(new QmpConnectionClosedException("The QMP client was disposed."));
        await _writer.CompleteAsync().ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        if (_ownedStream is not null)
        {
            await _ownedStream.DisposeAsync().ConfigureAwait(false);
        }
        _lifetime.Dispose();
    }

    private async Task<QmpClient> NegotiateAsync(CancellationToken cancellationToken)
    {
        _readLoop = ReadLoopAsync();
        try
        {
            Greeting = await _greeting.Task.WaitAsync(_options.NegotiationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"The QMP greeting did not arrive within {_options.NegotiationTimeout.TotalSeconds:0.###} s.");
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
        try
        {
            // No capability is enabled: this client sends in-band commands only, so "oob" is of no use to it.
            await ExecuteCoreAsync("qmp_capabilities", null, cancellationToken, _options.NegotiationTimeout).ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
        QmpLog.Connected(_logger, Greeting.Version.Package, Greeting.Version.Qemu.ToVersion(), string.Join(", ", Greeting.Capabilities));
        return this;
    }

    private Task<JsonElement> ExecuteCoreAsync(string command, Action<Utf8JsonWriter>? writeArguments, CancellationToken cancellationToken) =>
        ExecuteCoreAsync(command, writeArguments, cancellationToken, _options.CommandTimeout);

    private async Task<JsonElement> ExecuteCoreAsync(string command, Action<Utf8JsonWriter>? writeArguments, CancellationToken cancellationToken, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
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
                await WriteRequestAsync(BuildRequest(command, id, writeArguments), command, timeoutSource.Token).ConfigureAwait(false);
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

    private static byte[] BuildRequest(string command, long id, Action<Utf8JsonWriter>? writeArguments)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("execute", command);
            if (writeArguments is not null)
            {
                writer.WritePropertyName("arguments");
                writeArguments(writer);
            }
            writer.WriteNumber("id", id);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
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
            await _writer.WriteAsync(request, _lifetimeToken).ConfigureAwait(false);
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

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        Exception? reason = null;
        try
        {
            while (true)
            {
                ReadResult result = await _reader.ReadAsync(_lifetimeToken).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }
                ReadOnlySequence<byte> buffer = result.Buffer;
                try
                {
                    while (QmpMessageFramer.TryReadMessage(ref buffer, _options.MaxMessageBytes, out ReadOnlySequence<byte> message))
                    {
                        Dispatch(message);
                    }
                    if (result.IsCompleted)
                    {
                        if (!QmpMessageFramer.IsBlank(buffer))
                        {
                            reason = new QmpConnectionClosedException($"The QMP connection closed in the middle of a message ({buffer.Length} bytes without a line end).");
                        }
                        break;
                    }
                }
                finally
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetimeToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Whatever ends the loop must end the connection too, or every caller would wait for its timeout.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = e;
        }
        Close(reason ?? new QmpConnectionClosedException("The QMP connection was closed by the peer."));
    }

    private void Dispatch(ReadOnlySequence<byte> message)
    {
        // The JSON parser leaves string contents unchecked until they are read, so invalid UTF-8 would reach callers
        // as an InvalidOperationException from GetString(); reject the message here, naming it.
        ReadOnlySpan<byte> bytes = message.IsSingleSegment ? message.FirstSpan : message.ToArray();
        if (!Utf8.IsValid(bytes))
        {
            throw new QmpProtocolException($"A QMP message is not valid UTF-8 (from byte {Utf8ValidPrefixLength(bytes)}): {Excerpt(message)}");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"A QMP message is not valid JSON ({e.Message}): {Excerpt(message)}", e);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new QmpProtocolException($"A QMP message is a JSON {root.ValueKind}, not an object: {Excerpt(message)}");
            }
            if (!_greeting.Task.IsCompleted)
            {
                _greeting.TrySetResult(ParseGreeting(root, message));
            }
            else if (root.TryGetProperty("event", out JsonElement name) && name.ValueKind == JsonValueKind.String)
            {
                DeliverEvent(new QmpEvent(name.GetString()!, root.TryGetProperty("data", out JsonElement data) ? data.Clone() : default, ParseTimestamp(root)));
            }
            else if (root.TryGetProperty("return", out JsonElement value))
            {
                if (TakePending(root) is { } pending)
                {
                    pending.Reply.TrySetResult(value.Clone());
                }
            }
            else if (root.TryGetProperty("error", out JsonElement error))
            {
                string errorClass = error.TryGetProperty("class", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                string description = error.TryGetProperty("desc", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
                if (!root.TryGetProperty("id", out _))
                {
                    QmpLog.UncorrelatedError(_logger, errorClass, description);
                }
                else if (TakePending(root) is { } pending)
                {
                    pending.Reply.TrySetException(new QmpErrorException(pending.Command, errorClass, description));
                }
            }
        }
    }

    private static QmpGreeting ParseGreeting(JsonElement root, ReadOnlySequence<byte> message)
    {
        if (!root.TryGetProperty("QMP", out JsonElement body) || body.ValueKind != JsonValueKind.Object)
        {
            throw new QmpProtocolException($"Expected the QMP greeting ({{\"QMP\": ...}}) first, got: {Excerpt(message)}");
        }
        QmpGreeting greeting;
        try
        {
            greeting = body.Deserialize(QmpJsonContext.Default.QmpGreeting) ?? new QmpGreeting();
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"The QMP greeting has an unexpected shape ({e.Message}): {Excerpt(message)}", e);
        }
        // A server may leave out members (older or non-QEMU peers); be liberal, as the specification asks.
        return greeting with { Capabilities = greeting.Capabilities ?? [], Version = (greeting.Version ?? new QmpVersionInfo()).WithMissingMembersDefaulted() };
    }

    private static DateTimeOffset? ParseTimestamp(JsonElement root)
    {
        // The last whole second DateTimeOffset can represent (9999-12-31T23:59:59Z) less one, so adding microseconds stays in range.
        const long MaxUnixSeconds = 253_402_300_798;
        if (root.TryGetProperty("timestamp", out JsonElement timestamp)
            && timestamp.ValueKind == JsonValueKind.Object
            && timestamp.TryGetProperty("seconds", out JsonElement seconds) && seconds.TryGetInt64(out long s)
            && timestamp.TryGetProperty("microseconds", out JsonElement microseconds) && microseconds.TryGetInt64(out long us)
            && s >= 0 && s <= MaxUnixSeconds && us is >= 0 and < 1_000_000)
        {
            // QEMU sends -1 for both when it could not read the host clock; values DateTimeOffset cannot hold are
            // treated the same way, so a wild timestamp cannot throw out of the read loop.
            return DateTimeOffset.FromUnixTimeSeconds(s).AddTicks(us * TimeSpan.TicksPerMicrosecond);
        }
        return null;
    }

    private PendingCommand? TakePending(JsonElement root)
    {
        if (root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long value)
            && _pending.TryRemove(value, out PendingCommand? pending))
        {
            return pending;
        }
        // The specification asks clients to drop replies they cannot match (e.g. of a command that timed out).
        QmpLog.UnmatchedReply(_logger, root.TryGetProperty("id", out JsonElement raw) ? raw.GetRawText() : "(none)");
        return null;
    }

    private void DeliverEvent(QmpEvent qmpEvent)
    {
        QmpLog.EventReceived(_logger, qmpEvent.Name);
        lock (_eventWaiters)
        {
            for (int i = _eventWaiters.Count - 1; i >= 0; i--)
            {
                EventWaiter waiter = _eventWaiters[i];
                try
                {
                    if (waiter.Predicate(qmpEvent))
                    {
                        waiter.Result.TrySetResult(qmpEvent);
                        _eventWaiters.RemoveAt(i);
                    }
                }
#pragma warning disable CA1031 // A faulty caller predicate belongs to that caller's wait, not to the connection.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    waiter.Result.TrySetException(e);
                    _eventWaiters.RemoveAt(i);
                }
            }
        }
        _events.Writer.TryWrite(qmpEvent);
    }

    private async Task<QmpEvent> AwaitEventAsync(EventWaiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching QMP event arrived within {timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            lock (_eventWaiters)
            {
                _eventWaiters.Remove(waiter);
            }
        }
    }

    private void Close(Exception reason)
    {
        lock (_closeLock)
        {
            if (_closeReason is not null)
            {
                return;
            }
            Volatile.Write(ref _closeReason, reason);
        }
        QmpLog.ConnectionEnded(_logger, reason);
        _greeting.TrySetException(reason is QmpProtocolException ? reason : new QmpConnectionClosedException("The QMP connection ended before the greeting: " + reason.Message, reason));
        foreach (long id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out PendingCommand? pending))
            {
                pending.Reply.TrySetException(new QmpConnectionClosedException($"QMP command '{pending.Command}' got no reply: {reason.Message}", reason));
            }
        }
        lock (_eventWaiters)
        {
            foreach (EventWaiter waiter in _eventWaiters)
            {
                waiter.Result.TrySetException(new QmpConnectionClosedException("The QMP connection ended while waiting for an event: " + reason.Message, reason));
            }
            _eventWaiters.Clear();
        }
        _events.Writer.TryComplete();
        _completion.TrySetResult();
    }

    private static TValue Deserialize<TValue>(string command, JsonElement reply, JsonTypeInfo<TValue> typeInfo)
    {
        try
        {
            return reply.Deserialize(typeInfo) ?? throw new QmpProtocolException($"The reply of '{command}' is null.");
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"The reply of '{command}' has an unexpected shape: {e.Message}", e);
        }
    }

    private static int Utf8ValidPrefixLength(ReadOnlySpan<byte> bytes)
    {
        OperationStatus status = Utf8.ToUtf16(bytes, new char[bytes.Length], out int read, out _, replaceInvalidSequences: false);
        return status == OperationStatus.Done ? bytes.Length : read;
    }

    private static string Excerpt(ReadOnlySequence<byte> message)
    {
        const int Limit = 200;
        string text = Encoding.UTF8.GetString(message.Slice(0, Math.Min(message.Length, Limit)));
        return message.Length > Limit ? text + "..." : text;
    }

    private sealed class PendingCommand(string command)
    {
        public string Command { get; } = command;

        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class EventWaiter(Func<QmpEvent, bool> predicate)
    {
        public Func<QmpEvent, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<QmpEvent> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
