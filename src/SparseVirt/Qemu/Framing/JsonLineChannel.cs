using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Qemu.Framing;

/// <summary>
/// The transport the QMP and guest agent clients share: one loop reads the stream as lines (<see cref="LineReadLoop"/>),
/// hands each non-blank one to the owner, and tells the owner once why the channel ended (a protocol error, the peer
/// closing, mid-line or not, or disposal); <see cref="DisposeAsync"/> is the one way to close it.
/// </summary>
internal sealed class JsonLineChannel : ILineConsumer
{
    private readonly PipeReader _reader;
    private readonly PipeWriter? _writer;
    private readonly Stream? _ownedStream;
    private readonly int _maxLineBytes;
    private readonly byte? _delimiter;
    private readonly Action<ReadOnlySequence<byte>> _dispatch;
    private readonly Action<Exception> _ended;
    private readonly CancellationTokenSource _lifetime = new();
    private Task _readLoop = Task.CompletedTask;
    private Exception? _endReason;
    private int _awaitingDelimiter;
    private int _endedOnce;
    private int _disposed;

    /// <summary>Creates the channel; <see cref="Start"/> starts reading.</summary>
    /// <param name="reader">What the peer sends.</param>
    /// <param name="writer">What is sent to the peer, completed on disposal; <see langword="null"/> when the owner writes to the stream itself.</param>
    /// <param name="ownedStream">The stream under both, disposed with the channel; <see langword="null"/> when the caller keeps it.</param>
    /// <param name="protocol">Names and exception kinds.</param>
    /// <param name="maxLineBytes">The longest line accepted; a longer one is a protocol error that ends the channel.</param>
    /// <param name="delimiter">The byte <see cref="AwaitDelimiter"/> skips to, or <see langword="null"/>.</param>
    /// <param name="dispatch">Takes each non-blank line; what it throws ends the channel.</param>
    /// <param name="ended">Told once why the channel ended.</param>
    public JsonLineChannel(
        PipeReader reader, PipeWriter? writer, Stream? ownedStream, JsonLineProtocol protocol, int maxLineBytes, byte? delimiter,
        Action<ReadOnlySequence<byte>> dispatch, Action<Exception> ended)
    {
        _reader = reader;
        _writer = writer;
        _ownedStream = ownedStream;
        Protocol = protocol;
        _maxLineBytes = maxLineBytes;
        _delimiter = delimiter;
        _dispatch = dispatch;
        _ended = ended;
        Lifetime = _lifetime.Token;
    }

    /// <summary>Names and exception kinds of the protocol spoken.</summary>
    public JsonLineProtocol Protocol { get; }

    /// <summary>Cancelled when the channel is disposed.</summary>
    public CancellationToken Lifetime { get; }

    /// <summary>Whether <see cref="DisposeAsync"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    byte? ILineConsumer.SkipPastDelimiter => Volatile.Read(ref _awaitingDelimiter) != 0 ? _delimiter : null;

    /// <summary>Starts the read loop.</summary>
    public void Start() => _readLoop = ReadLoopAsync();

    /// <summary>Makes the read loop discard everything up to and including the next delimiter: what precedes it is stale.</summary>
    public void AwaitDelimiter() => Volatile.Write(ref _awaitingDelimiter, 1);

    /// <summary>
    /// Closes the channel: stops the read loop (the owner hears why, if it has not yet), completes the pipes and
    /// disposes the stream it owns. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _reader.CancelPendingRead();
        await _readLoop.ConfigureAwait(false);
        End(Protocol.ConnectionClosed($"The {Protocol.Channel} was disposed."));
        if (_writer is not null)
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        await _reader.CompleteAsync().ConfigureAwait(false);
        if (_ownedStream is not null)
        {
            await _ownedStream.DisposeAsync().ConfigureAwait(false);
        }
        _lifetime.Dispose();
    }

    void ILineConsumer.OnDelimiter() => Volatile.Write(ref _awaitingDelimiter, 0);

    void ILineConsumer.OnLine(ReadOnlySequence<byte> line, bool isPiece)
    {
        if (isPiece)
        {
            throw Protocol.ProtocolError($"A {Protocol.Peer} {Protocol.Unit} exceeds the limit of {_maxLineBytes} bytes (no line end within {_maxLineBytes + 1} bytes).");
        }
        if (!BoundedLineFramer.IsBlank(line))
        {
            _dispatch(line);
        }
    }

    void ILineConsumer.OnPartial(ReadOnlySequence<byte> rest)
    {
    }

    void ILineConsumer.OnEnd(ReadOnlySequence<byte> rest, bool canceled)
    {
        if (!canceled && !BoundedLineFramer.IsBlank(rest))
        {
            _endReason = Protocol.ConnectionClosed($"The {Protocol.Channel} closed in the middle of a {Protocol.Unit} ({rest.Length} bytes without a line end).");
        }
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        Exception? reason = null;
        try
        {
            await LineReadLoop.RunAsync(_reader, _maxLineBytes, this, Lifetime).ConfigureAwait(false);
            reason = _endReason;
        }
        catch (OperationCanceledException) when (Lifetime.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Whatever ends the loop must end the channel too, or every caller would wait for its timeout.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = e;
        }
        End(reason ?? Protocol.ConnectionClosed(IsDisposed ? $"The {Protocol.Channel} was disposed." : $"The {Protocol.Channel} was closed by the peer."));
    }

    private void End(Exception reason)
    {
        if (Interlocked.Exchange(ref _endedOnce, 1) == 0)
        {
            _ended(reason);
        }
    }
}
