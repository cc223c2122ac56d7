namespace SparseVirt.Qemu.Waiting;

/// <summary>
/// The last <c>capacity</c> items of a stream (serial lines, QEMU's stderr lines, QMP events), each numbered in
/// arrival order, so the most recent survive without unbounded memory and a late reader can look back.
/// Not thread-safe: the owner locks.
/// </summary>
internal sealed class RecentItems<T>(int capacity)
{
    private readonly Queue<(long Sequence, T Item)> _items = new();

    /// <summary>The sequence number the next item gets (the count of items ever added).</summary>
    public long NextSequence { get; private set; }

    public void Add(T item)
    {
        if (capacity <= 0)
        {
            NextSequence++;
            return;
        }
        _items.Enqueue((NextSequence++, item));
        while (_items.Count > capacity)
        {
            _items.Dequeue();
        }
    }

    /// <summary>The retained items numbered <paramref name="fromSequence"/> or later, oldest first.</summary>
    public IEnumerable<T> Since(long fromSequence) => _items.Where(entry => entry.Sequence >= fromSequence).Select(entry => entry.Item);

    public List<T> ToList() => [.. _items.Select(entry => entry.Item)];
}
