namespace SparseVirt.BlockSources;

/// <summary>A block source over bytes in memory: all data, no holes. For small disks, generated structures and tests.</summary>
public sealed class MemoryBlockSource : IBlockSource
{
    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Serves <paramref name="bytes"/> (not copied: the caller keeps them unchanged while the source is used).</summary>
    /// <param name="bytes">The disk's contents.</param>
    /// <param name="blockSize">The natural block size to report (a power of two, at least 512).</param>
    public MemoryBlockSource(ReadOnlyMemory<byte> bytes, int blockSize = 4096)
    {
        if (blockSize < 512 || !int.IsPow2(blockSize))
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "The block size must be a power of two of at least 512.");
        }
        _bytes = bytes;
        BlockSize = blockSize;
    }

    /// <inheritdoc/>
    public long Length => _bytes.Length;

    /// <inheritdoc/>
    public int BlockSize { get; }

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        _bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Read(offset, destination.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        BlockSourceRange.Check(offset, length, Length);
        return length == 0 ? [] : [new BlockExtent(offset, length, BlockExtentKind.Data)];
    }
}
