using Microsoft.Win32.SafeHandles;

namespace SparseVirt.BlockSources;

/// <summary>
/// A block source over a raw disk image file, read with positional reads (safe from many threads at once). Every byte
/// of it is a byte of the file at the same offset, so a writer can copy it in the kernel.
/// </summary>
public sealed class RawFileBlockSource : IFileBackedBlockSource, IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string _path;

    private RawFileBlockSource(SafeFileHandle handle, string path, long length)
    {
        _handle = handle;
        _path = path;
        Length = length;
    }

    /// <summary>Opens the raw image at <paramref name="path"/> for reading; its length is fixed at this moment.</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static RawFileBlockSource Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new RawFileBlockSource(handle, path, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public long Length { get; }

    /// <inheritdoc/>
    public int BlockSize => 4096;

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination) =>
        SpanMemory.RunSync(destination, (Source: this, Offset: offset), static (state, memory) => state.Source.ReadCoreAsync(state.Offset, memory, async: false, CancellationToken.None));

    /// <inheritdoc/>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(offset, destination, async: true, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// From the file system's allocation map (<c>lseek</c> with <c>SEEK_DATA</c>/<c>SEEK_HOLE</c>): holes are
    /// <see cref="BlockExtentKind.Hole"/>, everything else data. Where the system or file system cannot tell, the
    /// whole range is data (always correct, only less sparse).
    /// </remarks>
    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        return BlockSourceRange.Extents(offset, length, Length, Enumerate);
    }

    private IEnumerable<BlockExtent> Enumerate(long start, long end)
    {
        // One map per call: it remembers that the file system cannot answer, and callers may enumerate concurrently.
        var regions = new FileDataRegions(_handle, end);
        for (long position = start; position < end;)
        {
            (bool isData, long regionEnd) = regions.RegionAt(position);
            regionEnd = Math.Clamp(regionEnd, position + 1, end);
            yield return new BlockExtent(position, regionEnd - position, isData ? BlockExtentKind.Data : BlockExtentKind.Hole);
            position = regionEnd;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The whole requested range, at the same offset of the file.</remarks>
    public BlockFileRun GetFileRun(long offset, long length)
    {
        BlockSourceRange.CheckRun(offset, length, Length);
        return new BlockFileRun(length, _handle, offset);
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();

    private async ValueTask ReadCoreAsync(long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        int filled = await PositionalRead.FillCoreAsync(_handle, destination, offset, async, cancellationToken).ConfigureAwait(false);
        if (filled < destination.Length)
        {
            throw Shrunk(offset + filled);
        }
    }

    private EndOfStreamException Shrunk(long offset) =>
        new($"{_path}: the file ends at byte {offset}, before the {Length} bytes it had when it was opened.");
}
