using SparseVirt.BlockSources;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// A block source laid out as given (data, zero and hole runs), whose data bytes are a pattern that depends on the
/// offset and is never zero, so any misplaced byte shows. Reads may be held at a gate to keep requests in flight.
/// </summary>
internal sealed class ScriptedBlockSource : IBlockSource
{
    private readonly BlockExtent[] _extents;

    public ScriptedBlockSource(int blockSize, params (long Length, BlockExtentKind Kind)[] runs)
    {
        BlockSize = blockSize;
        var extents = new List<BlockExtent>();
        long offset = 0;
        foreach ((long length, BlockExtentKind kind) in runs)
        {
            extents.Add(new BlockExtent(offset, length, kind));
            offset += length;
        }
        _extents = extents.ToArray();
        Length = offset;
    }

    public long Length { get; }

    public int BlockSize { get; }

    /// <summary>While set, every read waits for it to complete.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int ReadsStarted;

    public IReadOnlyList<BlockExtent> Extents => _extents;

    public static byte PatternAt(long offset) => (byte)(1 + ((offset * 7 + (offset >> 9)) % 251));

    public void Read(long offset, Span<byte> destination)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = IsData(offset + i) ? PatternAt(offset + i) : (byte)0;
        }
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref ReadsStarted);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        Read(offset, destination.Span);
    }

    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        BlockSourceRange.Check(offset, length, Length);
        long end = offset + length;
        foreach (BlockExtent extent in _extents)
        {
            long start = Math.Max(extent.Offset, offset);
            long stop = Math.Min(extent.End, end);
            if (start < stop)
            {
                yield return new BlockExtent(start, stop - start, extent.Kind);
            }
        }
    }

    /// <summary>The expanded bytes, as a raw file would hold them.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Length];
        Read(0, bytes);
        return bytes;
    }

    private bool IsData(long offset)
    {
        foreach (BlockExtent extent in _extents)
        {
            if (offset >= extent.Offset && offset < extent.End)
            {
                return extent.Kind == BlockExtentKind.Data;
            }
        }
        return false;
    }
}
