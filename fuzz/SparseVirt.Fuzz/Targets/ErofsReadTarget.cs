using SparseVirt.FileSystems;
using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Erofs;

namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// Reading an EROFS image through the driver: superblock (CRC32C), inodes, directories, symbolic links, xattrs,
/// flat, chunk-based and LZ4-compressed data (lcluster indexes, big and tail-packed pclusters). The walk takes each
/// directory once and at most 64 entries; three files are read (16 KiB at the start, at the end, and the start
/// again through the decoded-extent cache), which bounds the memory one input can make the driver decode.
/// </summary>
internal sealed class ErofsReadTarget : FuzzTarget
{
    private const int MaxEntries = 64;
    private const int MaxFilesRead = 3;

    public override string Name => "erofs-read";

    public override string Description => "ErofsDriver on the bytes: walk, links, xattrs, data ranges, reads of three files";

    public override void Run(byte[] input)
    {
        ErofsDriver? driver = SyncPath.Complete(ErofsDriver.TryOpenAsync(new MemoryBlockSource(input), false, CancellationToken.None));
        if (driver is null)
        {
            return;
        }
        var seen = new HashSet<ulong>();
        var pending = new Queue<FileSystemNode>();
        pending.Enqueue(SyncPath.Complete(driver.ReadNodeAsync(driver.RootInode, false, CancellationToken.None)));
        int entries = 0, filesRead = 0;
        while (pending.Count > 0 && entries < MaxEntries)
        {
            FileSystemNode directory = pending.Dequeue();
            if (!seen.Add(directory.Inode))
            {
                continue;
            }
            foreach (DirectoryRecord record in SyncPath.Complete(driver.ReadDirectoryAsync(directory, false, CancellationToken.None)))
            {
                if (++entries > MaxEntries)
                {
                    break;
                }
                FileSystemNode node = SyncPath.Complete(driver.ReadNodeAsync(record.Inode, false, CancellationToken.None));
                SyncPath.Complete(driver.ReadExtendedAttributesAsync(node, false, CancellationToken.None));
                if (node.Kind == FileSystemEntryKind.Directory)
                {
                    pending.Enqueue(node);
                }
                else if (node.Kind == FileSystemEntryKind.SymbolicLink)
                {
                    SyncPath.Complete(driver.ReadLinkAsync(node, false, CancellationToken.None));
                }
                else if (node.Kind == FileSystemEntryKind.File && filesRead++ < MaxFilesRead)
                {
                    ReadFile(driver, node);
                }
            }
        }
    }

    public override bool IsExpected(Exception exception) => exception is InvalidDataException or NotSupportedException;

    private static void ReadFile(ErofsDriver driver, FileSystemNode file)
    {
        IReadOnlyList<FileDataRange> ranges = SyncPath.Complete(driver.GetDataRangesAsync(file, false, CancellationToken.None));
        long covered = 0;
        foreach (FileDataRange range in ranges)
        {
            if (range.Offset < covered || range.Length <= 0 || range.Offset + range.Length > file.Length)
            {
                throw new FuzzFindingException($"Data ranges of nid {file.Inode} are out of order or outside its {file.Length} bytes.");
            }
            covered = range.Offset + range.Length;
        }
        byte[] first = Read(driver, file, 0);
        Read(driver, file, Math.Max(0, file.Length - 16384));
        byte[] again = Read(driver, file, 0);
        if (!first.AsSpan().SequenceEqual(again))
        {
            throw new FuzzFindingException($"Two reads of nid {file.Inode} at 0 disagree.");
        }
    }

    private static byte[] Read(ErofsDriver driver, FileSystemNode file, long offset)
    {
        byte[] buffer = new byte[16384];
        int read = SyncPath.Complete(driver.ReadFileAsync(file, offset, buffer, false, CancellationToken.None));
        if (read != Math.Min(buffer.Length, Math.Max(0, file.Length - offset)))
        {
            throw new FuzzFindingException($"A read of nid {file.Inode} at {offset} returned {read} bytes of a {file.Length}-byte file.");
        }
        return buffer;
    }

    // The seeds are checked in (fuzz/corpus/erofs-read/): small images mkfs.erofs 1.5 made of a tree like the tests'
    // (flat, lz4 compact, lz4hc tail-packed, legacy full index, big pclusters, chunk-based), since the driver only
    // reads and the tool is not at hand here.
}
