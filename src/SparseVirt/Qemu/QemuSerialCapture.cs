using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SparseVirt.Qemu.Framing;
using SparseVirt.Qemu.Launch;
using SparseVirt.Qemu.Waiting;

namespace SparseVirt.Qemu;

/// <summary>
/// The guest's serial console as captured by the library: the text so far, the lines as they arrive, and waiting
/// for a particular line. Memory is bounded: only the most recent text and lines are kept.
/// </summary>
public sealed class QemuSerialCapture : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly ILogger _logger;
    private readonly int _maxRetainedChars;
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();
    private readonly PendingMatches<string> _lines;
    private readonly Channel<string> _channel;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _readLoop;
    private string _partialLine = "";

    internal QemuSerialCapture(Stream stream, int maxRetainedChars, ILogger logger)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        _logger = logger;
        _maxRetainedChars = maxRetainedChars;
        _lines = new PendingMatches<string>(Math.Max(64, maxRetainedChars / 16));
        _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });
        _readLoop = ReadLoopAsync(Math.Max(256, Math.Min(maxRetainedChars, 64 * 1024)));
    }

    /// <summary>The most recent console text (up to <see cref="QemuLaunchOptions.SerialRetainedChars"/> characters), including an unfinished last line.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString() + _partialLine;
            }
        }
    }

    /// <summary>The most recent complete lines, without their line ends.</summary>
    public IReadOnlyList<string> Lines => _lines.Recent();

    /// <summary>Completes when QEMU closes the console (usually because it exited).</summary>
    public Task Completion => _completion.Task;

    /// <summary>The lines as they complete, until the console closes. Meant for one reader; a reader more than 4096 lines behind loses the oldest.</summary>
    public IAsyncEnumerable<string> ReadLinesAsync(CancellationToken cancellationToken = default) => _channel.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Returns the first line satisfying <paramref name="predicate"/>, looking at the lines already received first and
    /// then waiting for new ones.
    /// </summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    /// <exception cref="EndOfStreamException">The console closed without such a line.</exception>
    public Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _lines.WaitAsync(predicate, fromSequence: 0, timeout, $"No matching serial console line arrived within {timeout.TotalSeconds:0.###} s.", cancellationToken);

    /// <summary>Sends <paramref name="text"/> to the guest's serial port, as if typed.</summary>
    public async Task SendAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Stops capturing and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        _reader.CancelPendingRead();
        await _readLoop.ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReadLoopAsync(int maxLineBytes)
    {
        await Task.Yield();
        try
        {
            // An overlong line is cut at the limit, so a guest that never ends a line cannot exhaust memory.
            await LineReadLoop.RunAsync(_reader, maxLineBytes, new Consumer(this)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // QEMU went away mid-read; what was captured stays available.
        }
        End();
    }

    private static string Decode(ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(BoundedLineFramer.TrimCarriageReturn(bytes));

    private void AddLine(string line)
    {
        QemuLog.SerialLine(_logger, line);
        lock (_lock)
        {
            _text.Append(line).Append('\n');
            if (_text.Length > _maxRetainedChars + (_maxRetainedChars / 4))
            {
                _text.Remove(0, _text.Length - _maxRetainedChars);
            }
        }
        _lines.Deliver(line);
        _channel.Writer.TryWrite(line);
    }

    private void End()
    {
        SetPartial("");
        _lines.FailAll(static () => new EndOfStreamException("The serial console closed without a matching line."));
        _channel.Writer.TryComplete();
        _completion.TrySetResult();
    }

    private void SetPartial(string partial)
    {
        lock (_lock)
        {
            _partialLine = partial;
        }
    }

    private sealed class Consumer(QemuSerialCapture capture) : ILineConsumer
    {
        public void OnLine(ReadOnlySequence<byte> line, bool isPiece) => capture.AddLine(Decode(line));

        public void OnPartial(ReadOnlySequence<byte> rest) => capture.SetPartial(rest.IsEmpty ? "" : Decode(rest));

        public void OnEnd(ReadOnlySequence<byte> rest, bool canceled)
        {
            if (!rest.IsEmpty)
            {
                capture.AddLine(Decode(rest));
            }
        }
    }
}
