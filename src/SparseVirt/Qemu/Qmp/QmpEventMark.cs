namespace SparseVirt.Qemu.Qmp;

/// <summary>
/// A point in a connection's event stream (<see cref="QmpClient.MarkEvents"/>): a wait from a mark also sees the
/// events that arrived after the mark but before the wait began, as long as they are still buffered.
/// </summary>
/// <param name="Sequence">The number of the first event after the mark (events are numbered from 0 as they arrive).</param>
public readonly record struct QmpEventMark(long Sequence)
{
    /// <summary>The start of the connection: every event still buffered, including any that came before the greeting.</summary>
    public static QmpEventMark ConnectionStart => new(0);
}
