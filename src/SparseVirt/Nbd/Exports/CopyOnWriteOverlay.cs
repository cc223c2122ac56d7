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
internal sealed partial class CopyOnWriteOverlay : IBlockSource, IDisposable
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
}
