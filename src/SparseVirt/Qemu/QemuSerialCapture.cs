using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SparseVirt.Qemu.Launch;

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
    private readonly int _maxLineBytes;
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();
    private readonly List<string> _lines = [];
    private readonly List<LineWaiter> _waiters = [];
    private readonly Channel<string> _channel;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _readLoop;
    private string _partialLine = "";
    private bool _ended;

    internal QemuSerialCapture(Stream stream, int maxRetainedChars, ILogger logger)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        _logger = logger;
        _maxRetainedChars = maxRetainedChars;
        _maxLineBytes = Math.Max(256, Math.Min(maxRetainedChars, 64 * 1024));
        _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });
        _readLoop = ReadLoopAsync();
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
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

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
    public Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new LineWaiter(predicate);
        lock (_lock)
        {
            foreach (string line in _lines)
            {
                if (predicate(line))
                {
                    return Task.FromResult(line);
                }
            }
            if (_ended)
            {
                return Task.FromException<string>(NoSuchLine());
            }
            _waiters.Add(waiter);
        }
        return AwaitLineAsync(waiter, timeout, cancellationToken);
    }

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

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                ReadResult result = await _reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (TryTakeLine(ref buffer, out ReadOnlySequence<byte> line))
                {
                    AddLine(Decode(line));
                }
                SetPartial(buffer.IsEmpty ? "" : Decode(buffer));
                if (result.IsCanceled || result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        AddLine(Decode(buffer));
                    }
                    _reader.AdvanceTo(buffer.End);
                    break;
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (IOException)
        {
            // QEMU went away mid-read; what was captured stays available.
        }
        End();
    }

    /// <summary>A line ends at a line feed; an overlong one is cut at the limit so a guest that never ends a line cannot exhaust memory.</summary>
    private bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out line, (byte)'\n'))
        {
            buffer = buffer.Slice(reader.Position);
            return true;
        }
        if (buffer.Length >= _maxLineBytes)
        {
            line = buffer.Slice(0, _maxLineBytes);
            buffer = buffer.Slice(_maxLineBytes);
            return true;
        }
        return false;
    }

    private static string Decode(ReadOnlySequence<byte> bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        return text.EndsWith('\r') ? text[..^1] : text;
    }

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
            _lines.Add(line);
            int maxLines = Math.Max(64, _maxRetainedChars / 16);
            if (_lines.Count > maxLines + (maxLines / 4))
            {
                _lines.RemoveRange(0, _lines.Count - maxLines);
            }
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                LineWaiter waiter = _waiters[i];
                try
                {
                    if (waiter.Predicate(line))
                    {
                        waiter.Result.TrySetResult(line);
                        _waiters.RemoveAt(i);
                    }
                }
#pragma warning disable CA1031 // A faulty caller predicate belongs to that caller's wait, not to the capture.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    waiter.Result.TrySetException(e);
                    _waiters.RemoveAt(i);
                }
            }
        }
        _channel.Writer.TryWrite(line);
    }

    private void SetPartial(string partial)
    {
        lock (_lock)
        {
            _partialLine = partial;
        }
    }

    private void End()
    {
        lock (_lock)
        {
            _ended = true;
            _partialLine = "";
            foreach (LineWaiter waiter in _waiters)
            {
                waiter.Result.TrySetException(NoSuchLine());
            }
            _waiters.Clear();
        }
        _channel.Writer.TryComplete();
        _completion.TrySetResult();
    }

    private static EndOfStreamException NoSuchLine() => new("The serial console closed without a matching line.");

    private async Task<string> AwaitLineAsync(LineWaiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching serial console line arrived within {timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class LineWaiter(Func<string, bool> predicate)
    {
        public Func<string, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<string> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
