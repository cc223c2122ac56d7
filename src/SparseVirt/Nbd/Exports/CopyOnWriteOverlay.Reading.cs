using SparseVirt.BlockSources;

namespace SparseVirt.Nbd.Exports;

// Reads: each run of blocks from where the map says it lives (the base, the overlay file, or zeros).
internal sealed partial class CopyOnWriteOverlay
{
    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination) =>
        SpanMemory.RunSync(destination, (Overlay: this, Offset: offset), static (state, memory) => state.Overlay.ReadCoreAsync(state.Offset, memory, async: false, CancellationToken.None));

    /// <inheritdoc/>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(offset, destination, async: true, cancellationToken);

    /// <inheritdoc/>
    public IEnumerable<BlockExtent> GetExtents(long offset, long length) =>
        BlockSourceRange.Extents(offset, length, Length, Enumerate);

    private async ValueTask ReadCoreAsync(long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        long position = offset;
        while (position < offset + destination.Length)
        {
            (long runEnd, BlockState state) = _map.RunAt(position, offset + destination.Length);
            Memory<byte> slice = destination.Slice((int)(position - offset), (int)(runEnd - position));
            switch (state)
            {
                case BlockState.Base when async:
                    await _base.ReadAsync(position, slice, cancellationToken).ConfigureAwait(false);
                    break;
                case BlockState.Base:
                    _base.Read(position, slice.Span);
                    break;
                case BlockState.Overlay:
                    int filled = await PositionalRead.FillCoreAsync(_file, slice, _dataOffset + position, async, cancellationToken).ConfigureAwait(false);
                    if (filled < slice.Length)
                    {
                        throw new EndOfStreamException($"The overlay file ends before byte {position + filled}.");
                    }
                    break;
                default:
                    slice.Span.Clear();
                    break;
            }
            position = runEnd;
        }
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
}
