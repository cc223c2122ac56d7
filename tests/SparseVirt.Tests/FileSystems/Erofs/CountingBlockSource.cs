using SparseVirt.BlockSources;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>A block source that counts the bytes read through it, to prove a read touched only what it needed.</summary>
internal sealed class CountingBlockSource(IBlockSource inner) : IBlockSource
{
    private long bytesRead;

    public long BytesRead => Interlocked.Read(ref bytesRead);

    public long Length => inner.Length;

    public int BlockSize => inner.BlockSize;

    public void Read(long offset, Span<byte> destination)
    {
        Interlocked.Add(ref bytesRead, destination.Length);
        inner.Read(offset, destination);
    }

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref bytesRead, destination.Length);
        return inner.ReadAsync(offset, destination, cancellationToken);
    }

    public IEnumerable<BlockExtent> GetExtents(long offset, long length) => inner.GetExtents(offset, length);
}
