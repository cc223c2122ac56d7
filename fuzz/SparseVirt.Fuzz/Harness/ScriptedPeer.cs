using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Fuzz.Harness;

/// <summary>
/// The server end of an in-memory line-protocol connection (QMP, the guest agent) that plays the fuzz input: the
/// input is cut at NUL bytes into turns; the first is sent at once, each next one when the client has sent the requests
/// that turn answers (or, if they do not come, after <see cref="TurnWait"/>, so a client waiting for bytes never
/// deadlocks the peer), and the connection is closed after the last. Waiting keeps replies behind their commands.
/// </summary>
internal sealed class ScriptedPeer
{
    /// <summary>How long the peer waits for a request before sending its next turn anyway, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultTurnWait = TimeSpan.FromMilliseconds(250);

    /// <summary>At most this many turns; the rest of the input goes into the last.</summary>
    public const int MaxTurns = 12;

    private readonly Pipe _toClient = new();
    private readonly Pipe _toServer = new();

    /// <param name="turnWait">
    /// How long to wait for a request before sending the next turn anyway (<see cref="DefaultTurnWait"/> when null).
    /// Shorter suits a client with one request at a time (the guest agent), where a turn that answers nothing leaves
    /// the client waiting and the peer always waits the whole time; longer keeps replies behind their requests on a
    /// loaded machine.
    /// </param>
    public ScriptedPeer(TimeSpan? turnWait = null)
    {
        TurnWait = turnWait ?? DefaultTurnWait;
        ClientPipe = new DuplexPipe(_toClient.Reader, _toServer.Writer);
    }

    public IDuplexPipe ClientPipe { get; }

    /// <summary>How long the peer waits for a request before sending its next turn anyway.</summary>
    public TimeSpan TurnWait { get; }

    /// <summary>The client's end as a stream, for clients that take one (the guest agent); disposing it closes the client's side.</summary>
    public Stream ClientStream => new Tests.Qemu.DuplexStream(_toClient.Reader.AsStream(), _toServer.Writer.AsStream());

    /// <summary>The input's turns: split at NUL bytes, at most <see cref="MaxTurns"/>.</summary>
    public static List<ReadOnlyMemory<byte>> Turns(byte[] input)
    {
        var turns = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        while (turns.Count < MaxTurns - 1)
        {
            int end = Array.IndexOf(input, (byte)0, start);
            if (end < 0)
            {
                break;
            }
            turns.Add(input.AsMemory(start, end - start));
            start = end + 1;
        }
        turns.Add(input.AsMemory(start));
        return turns;
    }

    /// <summary>
    /// Plays <paramref name="input"/> to the client, then closes the connection. Before turn <c>k</c> (from 1) the
    /// peer waits for <paramref name="requestsBeforeTurn"/>[k] more requests (none past the list's end), as a server
    /// answers what it was asked; it stops waiting when the client closes, after <see cref="TurnWait"/>, or at once
    /// when nothing it sent since the last wait held a line end (the client cannot have acted on it). With
    /// <paramref name="clientSpeaksFirst"/> (the guest agent: no greeting, the client starts) turn 0 waits too.
    /// </summary>
    public async Task PlayAsync(byte[] input, IReadOnlyList<int> requestsBeforeTurn, bool clientSpeaksFirst = false)
    {
        List<ReadOnlyMemory<byte>> turns = Turns(input);
        bool lineSent = clientSpeaksFirst;
        bool clientClosed = false;
        for (int k = 0; k < turns.Count; k++)
        {
            int wanted = k < requestsBeforeTurn.Count ? requestsBeforeTurn[k] : 0;
            if ((k > 0 || clientSpeaksFirst) && wanted > 0 && lineSent && !clientClosed)
            {
                clientClosed = !await ReadRequestsAsync(wanted).ConfigureAwait(false);
                lineSent = false;
            }
            lineSent |= turns[k].Span.Contains((byte)'\n');
            await _toClient.Writer.WriteAsync(turns[k]).ConfigureAwait(false);
        }
        await _toClient.Writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Reads up to <paramref name="count"/> requests within <see cref="TurnWait"/>; false once the client has closed its side.</summary>
    private async Task<bool> ReadRequestsAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TurnWait);
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (!await ReadRequestAsync(deadline.Token).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }
        return true;
    }

    /// <summary>Reads one line the client sent; false once the client has closed its side.</summary>
    private async Task<bool> ReadRequestAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _toServer.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                _toServer.Reader.AdvanceTo(buffer.GetPosition(1, end));
                return true;
            }
            _toServer.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return false;
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
