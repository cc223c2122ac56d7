using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Events: the stream for one reader, and waits for a particular event.</summary>
public sealed partial class QmpClient
{
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
    public Task<QmpEvent> WaitForEventAsync(Func<QmpEvent, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _eventWaits.WaitAsync(predicate, fromSequence: long.MaxValue, timeout, $"No matching QMP event arrived within {timeout.TotalSeconds:0.###} s.", cancellationToken);

    /// <summary>A mark at this point of the event stream, for a wait that must not miss an event caused by what the caller does next.</summary>
    public QmpEventMark MarkEvents() => new(_eventWaits.NextSequence);

    /// <summary>
    /// Waits for an event named <paramref name="name"/> that satisfies <paramref name="predicate"/> (any, when
    /// <see langword="null"/>), arriving after <paramref name="since"/>: one that came between the mark and this call
    /// is found in the buffer (the last <see cref="QmpClientOptions.EventBufferCapacity"/> events are kept), so take
    /// the mark, run the command that causes the event, and wait. <see cref="QmpEventMark.ConnectionStart"/> looks back
    /// to the start of the connection, before the greeting.
    /// </summary>
    /// <exception cref="TimeoutException">No such event within <paramref name="timeout"/>.</exception>
    /// <exception cref="QmpConnectionClosedException">The connection ended first.</exception>
    public Task<QmpEvent> WaitForEventAsync(string name, Func<QmpEvent, bool>? predicate, TimeSpan timeout, QmpEventMark since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _eventWaits.WaitAsync(
            e => e.Name == name && (predicate is null || predicate(e)),
            since.Sequence,
            timeout,
            $"No QMP event {name} arrived within {timeout.TotalSeconds:0.###} s.",
            cancellationToken);
    }

    /// <summary>Waits for the next event named <paramref name="name"/>; see <see cref="WaitForEventAsync(Func{QmpEvent, bool}, TimeSpan, CancellationToken)"/>.</summary>
    public Task<QmpEvent> WaitForEventAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(e => e.Name == name, timeout, cancellationToken);

    private void DeliverEvent(QmpEvent qmpEvent)
    {
        QmpLog.EventReceived(_logger, qmpEvent.Name);
        _eventWaits.Deliver(qmpEvent);
        _events.Writer.TryWrite(qmpEvent);
    }
}
