using SparseVirt.FileSystems.Drivers;

namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>
    /// The largest directory read (32 MiB of dirent blocks, about a million names): a bound on the work and memory
    /// an untrusted size can ask for; the largest directory of an Android system image is a few hundred KiB.
    /// </summary>
    private const long MaxDirectorySize = 32L << 20;

    public override async ValueTask<IReadOnlyList<DirectoryRecord>> ReadDirectoryAsync(
        FileSystemNode directory, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ErofsInode inode = ErofsInode.Of(directory);
        if (directory.Kind != FileSystemEntryKind.Directory)
        {
            throw new ArgumentException($"EROFS inode nid {inode.Nid} is a {directory.Kind}, not a directory.", nameof(directory));
        }
        if (inode.Layout is not (ErofsDataLayout.FlatPlain or ErofsDataLayout.FlatInline))
        {
            // So a directory's size is bounded by the image's: compressed or chunked blocks could repeat without end.
            throw new NotSupportedException($"EROFS directory nid {inode.Nid} has the data layout {inode.Layout}; erofs-utils 1.5 stores directories flat, and this reader reads them only so.");
        }
        if (inode.Size > MaxDirectorySize)
        {
            throw ErofsInode.Invalid(inode.Nid, inode.Position, $"is a directory of {inode.Size} bytes, over the {MaxDirectorySize >> 20} MiB this reader reads");
        }
        var records = new List<DirectoryRecord>();
        byte[] block = new byte[superblock.BlockSize];
        for (long offset = 0; offset < inode.Size; offset += block.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length = (int)Math.Min(block.Length, inode.Size - offset);
            int read = await ReadFileAsync(directory, offset, block.AsMemory(0, length), async, cancellationToken).ConfigureAwait(false);
            ErofsDirectoryBlock.Parse(block.AsSpan(0, read), inode.Nid, offset, records);
        }
        return records;
    }
}
