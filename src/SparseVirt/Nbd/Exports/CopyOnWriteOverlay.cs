using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Nbd.Exports;

/// <summary>
/// A writable view of a read-only block source: blocks written go to a sparse overlay file, blocks trimmed or zeroed
/// are only marked, and every other block still reads from the source, which is never opened for writing. A map of one
/// byte per block says where each block lives (1 MiB for 4 GiB at 4 KiB blocks). A temporary overlay keeps it in
/// memory; a named one (<see cref="OverlayFile"/>) persists it at every flush, so flushed writes survive a restart or a
/// crash of the server.
/// </summary>
/// <remarks>
/// Reads need no lock. Changes are serialized by one lock, so a partial-block write can read the block it completes
/// without another change slipping in. The file is written before the map says so, so a concurrent read of the same
/// block sees the old or the new bytes (overlapping requests in flight have no defined order in NBD either).
/// </remarks>
internal sealed class CopyOnWriteOverlay : IBlockSource, IDisposable
{
    private readonly IBlockSource _base;
    private readonly SafeFileHandle _file;
    private readonly FileStream _flusher;
    private readonly OverlayBlockMap _map;
    private readonly SemaphoreSlim _changeLock = new(1, 1);
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly OverlayFile? _store;
    private readonly long _dataOffset;

    private CopyOnWriteOverlay(IBlockSource baseSource, SafeFileHandle file, OverlayBlockMap map, OverlayFile? store)
    {
        _base = baseSource;
        _file = file;
        _store = store;
        _dataOffset = store is null ? 0 : OverlayFile.DataOffset;
        // bufferSize 0: the stream only carries Flush(flushToDisk: true) (fsync); every write is positional, on _file.
        _flusher = new FileStream(file, FileAccess.ReadWrite, bufferSize: 0);
        _map = map;
    }

    /// <inheritdoc/>
    public long Length => _base.Length;

    /// <inheritdoc/>
    public int BlockSize => _base.BlockSize;

    /// <summary>
    /// Opens the persistent overlay at <paramref name="path"/> over <paramref name="baseSource"/>, with the writes of
    /// its last flush, or creates it when missing; or, when <paramref name="path"/> is null, an unlinked temporary one.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an overlay of this base, or is damaged; it is not changed.</exception>
    /// <exception cref="IOException">The file cannot be created or opened.</exception>
    public static CopyOnWriteOverlay Create(IBlockSource baseSource, string? path)
    {
        // At least 4 KiB per map entry, so the map stays small even for a source with 512-byte blocks.
        var map = new OverlayBlockMap(baseSource.Length, Math.Max(baseSource.BlockSize, 4096));
        if (path is not null)
        {
            (OverlayFile store, SafeFileHandle handle) = OverlayFile.OpenOrCreate(path, baseSource.Length, map.Granularity, BlockSourceIdentity.Compute(baseSource), map.AsBytes());
            return new CopyOnWriteOverlay(baseSource, handle, map, store);
        }
        string temporary = Path.Combine(Path.GetTempPath(), $"sparsevirt-overlay-{Guid.NewGuid():N}.raw");
        SafeFileHandle file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        // Unlinked at once: the handle keeps the space until the server closes it, and nothing is left after a crash.
        File.Delete(temporary);
        try
        {
            RandomAccess.SetLength(file, baseSource.Length);
            return new CopyOnWriteOverlay(baseSource, file, map, null);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        long position = offset;
        while (position < offset + destination.Length)
        {
            (long runEnd, BlockState state) = _map.RunAt(position, offset + destination.Length);
            Span<byte> slice = destination.Slice((int)(position - offset), (int)(runEnd - position));
            switch (state)
            {
                case BlockState.Base:
                    _base.Read(position, slice);
                    break;
                case BlockState.Overlay:
                    ReadOverlay(position, slice);
                    break;
                default:
                    slice.Clear();
                    break;
            }
            position = runEnd;
        }
    }

    /// <inheritdoc/>
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        long position = offset;
        while (position < offset + destination.Length)
        {
            (long runEnd, BlockState state) = _map.RunAt(position, offset + destination.Length);
            Memory<byte> slice = destination.Slice((int)(position - offset), (int)(runEnd - position));
            switch (state)
            {
                case BlockState.Base:
                    await _base.ReadAsync(position, slice, cancellationToken).ConfigureAwait(false);
                    break;
                case BlockState.Overlay:
                    await ReadOverlayAsync(position, slice, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    slice.Span.Clear();
                    break;
            }
            position = runEnd;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        BlockSourceRange.Check(offset, length, Length);
        return BlockSourceRange.Coalesce(Enumerate(offset, offset + length));
    }

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

    /// <summary>
    /// Forgets every change, so the overlay reads as its source again: only the map is cleared, as the file's old
    /// bytes are never read until a new write marks their block. For a harness that reuses one overlay across many
    /// short runs (the fuzzing driver) instead of creating a file for each.
    /// </summary>
    public void Reset()
    {
        _changeLock.Wait();
        try
        {
            _map.Clear();
        }
        finally
        {
            _changeLock.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _flusher.Dispose();
        _file.Dispose();
        _changeLock.Dispose();
        _flushLock.Dispose();
    }

    private IEnumerable<BlockExtent> Enumerate(long offset, long end)
    {
        long position = offset;
        while (position < end)
        {
            (long runEnd, BlockState state) = _map.RunAt(position, end);
            if (state == BlockState.Base)
            {
                foreach (BlockExtent extent in _base.GetExtents(position, runEnd - position))
                {
                    yield return extent;
                }
            }
            else
            {
                BlockExtentKind kind = state switch
                {
                    BlockState.Overlay => BlockExtentKind.Data,
                    BlockState.Zero => BlockExtentKind.Zero,
                    _ => BlockExtentKind.Hole,
                };
                yield return new BlockExtent(position, runEnd - position, kind);
            }
            position = runEnd;
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

    private void ReadOverlay(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_file, destination, _dataOffset + offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"The overlay file ends before byte {offset}.");
            }
            destination = destination[read..];
            offset += read;
        }
    }

    private async ValueTask ReadOverlayAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            int read = await RandomAccess.ReadAsync(_file, destination, _dataOffset + offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"The overlay file ends before byte {offset}.");
            }
            destination = destination[read..];
            offset += read;
        }
    }
}
