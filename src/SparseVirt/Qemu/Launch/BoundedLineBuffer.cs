using SparseVirt.Qemu.Waiting;

namespace SparseVirt.Qemu.Launch;

/// <summary>The last N lines of a stream (QEMU's stdout or stderr), so its last words survive without unbounded memory.</summary>
internal sealed class BoundedLineBuffer(int capacity)
{
    private readonly RecentItems<string> _lines = new(capacity);
    private readonly Lock _lock = new();

    public void Add(string line)
    {
        lock (_lock)
        {
            _lines.Add(line);
        }
    }

    public string Snapshot()
    {
        lock (_lock)
        {
            return string.Join(Environment.NewLine, _lines.ToList());
        }
    }
}
