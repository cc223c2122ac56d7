using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Qemu.Framing;
using SparseVirt.Qemu.Waiting;

namespace SparseVirt.Qemu.Qmp;

/// <summary>
/// A QEMU Machine Protocol client over any connected stream or duplex pipe. <see cref="ConnectAsync(Stream, QmpClientOptions?, CancellationToken)"/>
/// reads the greeting and negotiates capabilities; after that commands may be sent from any thread, several at once
/// (replies are matched by <c>id</c>), and events arrive through <see cref="ReadEventsAsync"/> and <see cref="WaitForEventAsync(Func{QmpEvent, bool}, TimeSpan, CancellationToken)"/>.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private static readonly JsonLineProtocol Protocol = new(
        "QMP", "QMP connection", "message", static (m, e) => new QmpProtocolException(m, e), static (m, e) => new QmpConnectionClosedException(m, e));

    private readonly JsonLineChannel _channel;
    private readonly PipeWriter _writer;
    private readonly QmpClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly Channel<QmpEvent> _events;
    private readonly PendingMatches<QmpEvent> _eventWaits;
    private readonly TaskCompletionSource<QmpGreeting> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _closeLock = new();
    private Exception? _closeReason;
    private long _lastId;

    private QmpClient(PipeReader reader, PipeWriter writer, Stream? ownedStream, QmpClientOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 64, nameof(options.MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventBufferCapacity, 1, nameof(options.EventBufferCapacity));
        _writer = writer;
        _channel = new JsonLineChannel(reader, writer, ownedStream, Protocol, options.MaxMessageBytes, delimiter: null, Dispatch, Close);
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _eventWaits = new PendingMatches<QmpEvent>(options.EventBufferCapacity);
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

    /// <summary>Closes the connection; commands still waiting fail with <see cref="QmpConnectionClosedException"/>.</summary>
    public ValueTask DisposeAsync() => _channel.DisposeAsync();

    private async Task<QmpClient> NegotiateAsync(CancellationToken cancellationToken)
    {
        _channel.Start();
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
        _eventWaits.FailAll(() => new QmpConnectionClosedException("The QMP connection ended while waiting for an event: " + reason.Message, reason));
        _events.Writer.TryComplete();
        _completion.TrySetResult();
    }
}
