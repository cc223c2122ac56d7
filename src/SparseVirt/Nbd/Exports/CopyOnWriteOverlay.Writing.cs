using System.Buffers;
using SparseVirt.BlockSources;

namespace SparseVirt.Nbd.Exports;

// Changes (writes, zeroing, trimming) under the change lock, and flushes that make them durable.
internal sealed partial class CopyOnWriteOverlay
{
    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> into the overlay, completing partial blocks from the current view.</summary>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        BlockSourceRange.Check(offset, data.Length, Length);
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteLockedAsync(offset, data, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changeLock.Release();
        }
        if (forceUnitAccess)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes <c>[offset, offset + length)</c> read as zeros: whole blocks are only marked (as holes, or as allocated zeros
    /// when <paramref name="allocate"/>), partial blocks at either end are written.
    /// </summary>
    public async ValueTask ZeroAsync(long offset, long length, bool allocate, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        BlockSourceRange.Check(offset, length, Length);
        long end = offset + length;
        long firstWhole = _map.RoundUp(offset);
        // The source's last block may be short: a range reaching the end covers it whole.
        long lastWholeEnd = end == Length ? Length : _map.RoundDown(end);
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (firstWhole >= lastWholeEnd)
            {
                await WriteZerosLockedAsync(offset, end, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await WriteZerosLockedAsync(offset, firstWhole, cancellationToken).ConfigureAwait(false);
                await WriteZerosLockedAsync(lastWholeEnd, end, cancellationToken).ConfigureAwait(false);
                _map.Mark(firstWhole, lastWholeEnd, allocate ? BlockState.Zero : BlockState.Hole);
            }
        }
        finally
        {
            _changeLock.Release();
        }
        if (forceUnitAccess)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes every completed write durable: an fsync of the overlay file, and for a persistent overlay the map of
    /// those writes committed after it (<see cref="OverlayFile.Commit"/>).
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            await Task.Run(() => _flusher.Flush(flushToDisk: true), cancellationToken).ConfigureAwait(false);
            return;
        }
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The map of the writes completed so far; their data is on disk before the map says so (Commit fsyncs first).
            byte[] snapshot;
            await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                snapshot = _map.AsBytes().ToArray();
            }
            finally
            {
                _changeLock.Release();
            }
            await Task.Run(() => _store.Commit(snapshot), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushLock.Release();
        }
    }

    private async ValueTask WriteLockedAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        long end = offset + data.Length;
        long alignedStart = _map.RoundDown(offset);
        long alignedEnd = Math.Min(_map.RoundUp(end), Length);
        if (alignedStart == offset && alignedEnd == end)
        {
            await RandomAccess.WriteAsync(_file, data, _dataOffset + offset, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Complete the partial blocks at either end from what they read as now, then write whole blocks.
            int span = (int)(alignedEnd - alignedStart);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(span);
            try
            {
                Memory<byte> whole = buffer.AsMemory(0, span);
                if (offset != alignedStart)
                {
                    int head = (int)Math.Min(_map.Granularity, alignedEnd - alignedStart);
                    await ReadAsync(alignedStart, whole[..head], cancellationToken).ConfigureAwait(false);
                }
                long tailStart = Math.Max(alignedStart, _map.RoundDown(alignedEnd - 1));
                if (end != alignedEnd && (tailStart != alignedStart || offset == alignedStart))
                {
                    await ReadAsync(tailStart, whole[(int)(tailStart - alignedStart)..], cancellationToken).ConfigureAwait(false);
                }
                data.CopyTo(whole[(int)(offset - alignedStart)..]);
                await RandomAccess.WriteAsync(_file, (ReadOnlyMemory<byte>)whole, _dataOffset + alignedStart, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        _map.Mark(alignedStart, alignedEnd, BlockState.Overlay);
    }

    private async ValueTask WriteZerosLockedAsync(long offset, long end, CancellationToken cancellationToken)
    {
        if (end <= offset)
        {
            return;
        }
        // Only partial blocks come here, so the buffer is under one block.
        byte[] zeros = ArrayPool<byte>.Shared.Rent((int)(end - offset));
        try
        {
            Array.Clear(zeros);
            await WriteLockedAsync(offset, zeros.AsMemory(0, (int)(end - offset)), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }
}
