using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Paths;

/// <summary>
/// One regular file of a file system image as a block source: its bytes at any offset, read through the driver
/// (only the blocks a read covers; holes as zeros without touching the image), and its data and hole ranges.
/// <see cref="FileSystemImage.OpenFile"/> wraps it in a <see cref="BlockSourceStream"/>.
/// </summary>
internal sealed class FileBlockSource(FileSystemDriver driver, FileSystemNode file) : IBlockSource
{
    public long Length => file.Length;

    public int BlockSize => driver.BlockSize;

    public void Read(long offset, Span<byte> destination) =>
        SpanMemory.RunSync(destination, (this, offset), static (state, memory) => state.Item1.ReadCoreAsync(state.offset, memory, async: false, CancellationToken.None));

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(offset, destination, async: true, cancellationToken);

    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        BlockSourceRange.Check(offset, length, Length);
        IReadOnlyList<FileDataRange> ranges = SyncPath.Complete(driver.GetDataRangesAsync(file, async: false, CancellationToken.None));
        return Clip(FileExtents.Of(ranges, file.Length), offset, offset + length);
    }

    private async ValueTask ReadCoreAsync(long offset, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        int read = await driver.ReadFileAsync(file, offset, destination, async, cancellationToken).ConfigureAwait(false);
        if (read != destination.Length)
        {
            throw new EndOfStreamException($"inode {file.Inode}: {read} of {destination.Length} bytes at {offset} read.");
        }
    }

    private static IEnumerable<BlockExtent> Clip(IReadOnlyList<BlockExtent> extents, long start, long end)
    {
        foreach (BlockExtent extent in extents)
        {
            long from = Math.Max(extent.Offset, start);
            long to = Math.Min(extent.End, end);
            if (from < to)
            {
                yield return new BlockExtent(from, to - from, extent.Kind);
            }
        }
    }
}

/// <summary>A file's data ranges as extents covering its length: data, and holes between and after.</summary>
internal static class FileExtents
{
    public static IReadOnlyList<BlockExtent> Of(IReadOnlyList<FileDataRange> ranges, long length)
    {
        var extents = new List<BlockExtent>();
        long position = 0;
        foreach (FileDataRange range in ranges)
        {
            long end = Math.Min(range.Offset + range.Length, length);
            if (range.Offset < position || end <= range.Offset)
            {
                continue;
            }
            if (range.Offset > position)
            {
                extents.Add(new BlockExtent(position, range.Offset - position, BlockExtentKind.Hole));
            }
            extents.Add(new BlockExtent(range.Offset, end - range.Offset, BlockExtentKind.Data));
            position = end;
        }
        if (position < length)
        {
            extents.Add(new BlockExtent(position, length - position, BlockExtentKind.Hole));
        }
        return extents;
    }
}
