namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// Reading ext4: the superblock and its checksum, group descriptors, inodes, extent trees and block maps, directory
/// blocks, links, inline data and extended attributes, through the public FileSystemImage: a whole walk, each
/// file's extents and first bytes, each entry's attributes.
/// </summary>
internal sealed class Ext4ReadTarget : FuzzTarget
{
    // Bounds on the work one input may ask for: a few hundred KiB of image can name one large sparse file from
    // thousands of directory entries, and reading all of it is slow, not wrong.
    private const int MaxEntries = 4096;
    private const int MaxBytesPerFile = 16 * 1024;

    public override string Name => "ext4-read";

    public override string Description => "FileSystemImage.Open on the bytes, then a walk with each file's extents, first bytes and attributes";

    public override void Run(byte[] input)
    {
        FileSystemImage image = FileSystemImage.Open(new MemoryBlockSource(input, 1024));
        byte[] buffer = new byte[MaxBytesPerFile];
        foreach (FileSystemEntry entry in image.Walk("/").Take(MaxEntries))
        {
            image.GetExtendedAttributes(entry.Path);
            if (entry.Kind != FileSystemEntryKind.File)
            {
                continue;
            }
            image.GetFileExtents(entry.Path);
            using Stream file = image.OpenFile(entry.Path);
            int read = file.Read(buffer);
            if (read > entry.Length)
            {
                throw new FuzzFindingException($"{entry.Path}: read {read} bytes of a {entry.Length}-byte file");
            }
        }
    }

    // IOException covers what a damaged tree makes of a path the walk produced (a name listed twice, a file where a
    // directory was), and InvalidDataException every malformed structure; NotSupportedException a feature bit.
    public override bool IsExpected(Exception exception) => exception is InvalidDataException or IOException or NotSupportedException;

    // The seeds are checked in: fuzz/corpus/ext4-read/mkfs-1k-*.img, 128 KiB images mkfs.ext4 -d made (metadata_csum
    // with extents; inline_data without checksums; ext2 with block maps), each holding a file, a directory, fast and
    // slow links.
}
