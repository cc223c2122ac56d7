namespace SparseVirt.Qemu.Launch;

/// <summary>The last N lines of a stream (QEMU's stdout or stderr), so its last words survive without unbounded memory.</summary>
internal sealed class BoundedLineBuffer(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public void Add(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public string Snapshot()
    {
        lock (_lock)
        {
            return string.Join(Environment.NewLine, _lines);
        }
    }
}
