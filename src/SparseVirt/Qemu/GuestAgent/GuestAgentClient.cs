using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Qemu.Framing;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Qemu.Waiting;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>
/// A client for the QEMU guest agent (<c>qemu-ga</c>) over its channel: the <c>org.qemu.guest_agent.0</c>
/// virtio-serial port (see <see cref="QemuMachineDefinition.WithGuestAgent"/>), or any stream. The agent has no
/// greeting and no request ids, so the client synchronises with <c>guest-sync-delimited</c>: it sends 0xFF (which
/// resets the agent's parser) and a random id, discards everything up to the 0xFF that precedes the answer, and checks
/// the id. Commands run one at a time; after a timeout the next command resynchronises first, so a late reply is never
/// taken for another command's.
/// </summary>
public sealed partial class GuestAgentClient : IAsyncDisposable
{
    private const byte Delimiter = 0xFF;

    private static readonly JsonLineProtocol Protocol = new(
        "guest agent", "guest agent channel", "reply",
        static (m, e) => new GuestAgentProtocolException(m, e), static (m, e) => new GuestAgentConnectionClosedException(m, e));

    private readonly Stream _stream;
    private readonly JsonLineChannel _channel;
    private readonly GuestAgentClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly PendingMatches<Reply> _replies = new(historyCapacity: 0);
    private bool _needsSync = true;

    private GuestAgentClient(Stream stream, GuestAgentClientOptions options)
    {
        _stream = stream;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _channel = new JsonLineChannel(
            PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), writer: null, stream, Protocol, options.MaxMessageBytes, Delimiter, Dispatch, OnEnded);
        _channel.Start();
    }

    /// <summary>Connects to an agent listening on the Unix socket <paramref name="socketPath"/> and synchronises.</summary>
    /// <exception cref="TimeoutException">The agent did not answer the synchronisation in time (it may not be running yet).</exception>
    public static async Task<GuestAgentClient> ConnectAsync(string socketPath, GuestAgentClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes over <paramref name="stream"/> (disposed with the client) and synchronises with the agent.</summary>
    /// <inheritdoc cref="ConnectAsync(string, GuestAgentClientOptions?, CancellationToken)" path="/exception"/>
    public static async Task<GuestAgentClient> ConnectAsync(Stream stream, GuestAgentClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var client = new GuestAgentClient(stream, options ?? GuestAgentClientOptions.Default);
        try
        {
            await client.SyncAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Synchronises with the agent (<c>guest-sync-delimited</c>), discarding anything stale on the channel.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SyncCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/> (or none) and returns its <c>return</c> value.</summary>
    /// <exception cref="GuestAgentErrorException">The agent answered with an error.</exception>
    /// <exception cref="GuestAgentConnectionClosedException">The channel closed first.</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="GuestAgentClientOptions.CommandTimeout"/>.</exception>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ObjectDisposedException.ThrowIf(_channel.IsDisposed, this);
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_needsSync)
            {
                await SyncCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            return await SendAndAwaitAsync(Request(command, arguments), command, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Closes the channel; a command still waiting fails with <see cref="GuestAgentConnectionClosedException"/>.</summary>
    public ValueTask DisposeAsync() => _channel.DisposeAsync();

    private async Task SyncCoreAsync(CancellationToken cancellationToken)
    {
        long id = _options.SyncIdSource();
        // Whatever arrives before the agent's 0xFF belongs to an earlier exchange (or is the agent's complaint about our 0xFF).
        _channel.AwaitDelimiter();
        byte[] request = [Delimiter, .. Request("guest-sync-delimited", new JsonObject { ["id"] = id })];
        JsonElement answer = await SendAndAwaitAsync(request, "guest-sync-delimited", _options.SyncTimeout, cancellationToken).ConfigureAwait(false);
        if (answer.ValueKind != JsonValueKind.Number || !answer.TryGetInt64(out long echoed) || echoed != id)
        {
            throw new GuestAgentProtocolException($"guest-sync-delimited answered {answer.GetRawText()}, not the id {id} it was sent.");
        }
        _needsSync = false;
        GuestAgentLog.Synchronised(_logger, id);
    }

    private async Task<JsonElement> SendAndAwaitAsync(byte[] request, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Registered before sending: the reply may come back before the write returns.
        Task<Reply> reply = _replies.WaitAsync(static _ => true, long.MaxValue, timeout, $"The guest agent did not answer '{command}' within {timeout.TotalSeconds:0.###} s.", cancellationToken);
        Reply answer;
        try
        {
            await _stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            answer = await reply.ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
        {
            // A reply may still be on its way: the next command must resynchronise rather than take it for its own.
            _needsSync = true;
            _ = reply.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            if (e is GuestAgentConnectionClosedException && reply.IsFaulted)
            {
                // The channel ended while the command waited: name the command, and keep why it ended as the cause.
                throw new GuestAgentConnectionClosedException($"Guest agent command '{command}' got no reply: {e.Message}", e.InnerException ?? e);
            }
            throw e is IOException ? new GuestAgentConnectionClosedException($"Guest agent command '{command}' could not be sent: {e.Message}", e) : e;
        }
        // Thrown outside the catch above: an error reply is an IOException too (QemuProtocolException), but it is an
        // answer, so the channel stays in step.
        return answer.Error is { } error ? throw new GuestAgentErrorException(command, error.Class, error.Description) : answer.Value;
    }

    private static byte[] Request(string command, JsonObject? arguments) =>
        QmpWire.BuildRequest(command, id: null, arguments is null ? null : writer => arguments.WriteTo(writer));
}
