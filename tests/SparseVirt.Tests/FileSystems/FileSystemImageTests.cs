using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems;

/// <summary>
/// The public API on one mkfs.ext4 image (metadata_csum on): path resolution, links, extents of a sparse file,
/// extended attributes set by debugfs, sync against async, and corrupted or foreign images.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public partial class FileSystemImageTests
{
    private TempDirectory _folder = null!;
    private string _tree = null!;
    private string _image = null!;
    private byte[] _bigValue = null!;

    [OneTimeSetUp]
    public void MakeImage()
    {
        (_folder, _tree) = Ext4Images.NewTree();
        _image = Ext4Images.Make(_folder.FullPath, _tree, "api.img", 48);
        _bigValue = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 80).Select(i => $"{i:D9},")));
        File.WriteAllBytes(_folder.Combine("big-value"), _bigValue);
        Ext4Images.Debugfs(_folder.FullPath, _image, ["ea_set /build.prop user.small tiny", $"ea_set -f {_folder.Combine("big-value")} /build.prop user.big", "ea_set /wide security.selinux u:object_r:system_file:s0"], writable: true);
    }

    [OneTimeTearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public void PathsResolveLikeTheKernel()
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(_image);
        FileSystemImage fs = FileSystemImage.Open(source);

        Assert.Multiple(() =>
        {
            Assert.That(fs.GetEntry("/dir-link/f1000").Path, Is.EqualTo("/sizes/f1000"), "a link in the middle is followed");
            Assert.That(fs.GetEntry("/sizes/../build.prop").Path, Is.EqualTo("/build.prop"));
            Assert.That(fs.GetEntry("//sizes/./f1").Path, Is.EqualTo("/sizes/f1"));
            Assert.That(fs.GetEntry("/..").Path, Is.EqualTo("/"));
            Assert.That(fs.GetEntry("/fast-link").Kind, Is.EqualTo(FileSystemEntryKind.SymbolicLink), "lstat: the last link is not followed");
            Assert.That(fs.GetEntry("/fast-link").LinkTarget, Is.EqualTo("sizes/f1000"));
            Assert.That(fs.ListDirectory("/dir-link").Select(e => e.Name), Is.EquivalentTo(Ext4Images.FileSizes.Select(s => $"f{s}")));
            Assert.That(ReadAll(fs.OpenFile("/absolute-link")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_tree, "sizes", "f4096"))));
            Assert.That(fs.GetEntry("/pipe").Kind, Is.EqualTo(FileSystemEntryKind.Fifo));
            Assert.That(fs.GetEntry("/hard-link").Inode, Is.EqualTo(fs.GetEntry("/hard-source").Inode));
            Assert.That(fs.GetEntry("/hard-link").LinkCount, Is.EqualTo(2u));
            Assert.Throws<FileNotFoundException>(() => fs.GetEntry("/nope"));
            Assert.Throws<DirectoryNotFoundException>(() => fs.GetEntry("/nope/x"));
            Assert.That(Assert.Throws<DirectoryNotFoundException>(() => fs.GetEntry("/build.prop/x"))!.Message, Does.Contain("/build.prop is not a directory"));
            Assert.Throws<DirectoryNotFoundException>(() => fs.ListDirectory("/build.prop"));
            Assert.That(Assert.Throws<IOException>(() => fs.OpenFile("/loop-a"))!.Message, Does.Contain("too many levels of symbolic links"));
            Assert.That(Assert.Throws<DirectoryNotFoundException>(() => fs.OpenFile("/dangling-link"))!.Message, Does.Contain("/dangling-link").And.Contain("no 'no' in /"));
            Assert.Throws<IOException>(() => fs.OpenFile("/sizes"));
            Assert.Throws<ArgumentException>(() => fs.GetEntry("sizes"));
        });
    }

    [Test]
    public async Task ASparseFileReportsItsHolesAndReadsThemAsZeros()
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(_image);
        FileSystemImage fs = await FileSystemImage.OpenAsync(source);

        IReadOnlyList<BlockExtent> extents = await fs.GetFileExtentsAsync("/sparse.bin");
        await using Stream file = await fs.OpenFileAsync("/sparse.bin");
        file.Position = (5 * 256 * 1024) + 4096 - 10;
        byte[] across = new byte[20];
        int read = await file.ReadAsync(across);

        BlockExtent[] data = [.. extents.Where(e => e.Kind == BlockExtentKind.Data)];
        Assert.Multiple(() =>
        {
            Assert.That(data.Select(e => e.Offset), Is.EqualTo(Enumerable.Range(0, 40).Select(i => (long)i * 256 * 1024)));
            Assert.That(data.Select(e => e.Length), Is.All.EqualTo(4096));
            Assert.That(extents[^1].Kind, Is.EqualTo(BlockExtentKind.Hole));
            Assert.That(extents[^1].End, Is.EqualTo(new FileInfo(Path.Combine(_tree, "sparse.bin")).Length));
            Assert.That(read, Is.EqualTo(20));
            Assert.That(across[10..], Is.All.Zero, "a hole reads as zeros");
            Assert.That(across[..10], Is.EqualTo(File.ReadAllBytes(Path.Combine(_tree, "sparse.bin"))[((5 * 256 * 1024) + 4086)..((5 * 256 * 1024) + 4096)]));
        });
    }

    [Test]
    public void ExtendedAttributesInTheInodeAndInTheirBlockAreListed()
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(_image);
        FileSystemImage fs = FileSystemImage.Open(source);

        IReadOnlyDictionary<string, byte[]> attributes = fs.GetExtendedAttributes("/build.prop");
        IReadOnlyDictionary<string, byte[]> directory = fs.GetExtendedAttributes("/wide");

        Assert.Multiple(() =>
        {
            Assert.That(attributes.Keys, Is.EquivalentTo(new[] { "user.small", "user.big" }));
            Assert.That(attributes["user.small"], Is.EqualTo("tiny"u8.ToArray()));
            Assert.That(attributes["user.big"], Is.EqualTo(_bigValue), "too large for the inode: kept in the attribute block, checksum verified");
            Assert.That(Encoding.ASCII.GetString(directory["security.selinux"]), Is.EqualTo("u:object_r:system_file:s0"));
        });
    }

    [Test]
    public async Task SyncAndAsyncWalksAgreeAndCoverTheTree()
    {
        using RawFileBlockSource source = RawFileBlockSource.Open(_image);
        FileSystemImage fs = FileSystemImage.Open(source);

        FileSystemEntry[] sync = [.. fs.Walk()];
        var async = new List<FileSystemEntry>();
        await foreach (FileSystemEntry entry in fs.WalkAsync())
        {
            async.Add(entry);
        }

        Assert.That(async, Is.EqualTo(sync));
        Assert.That(sync.Count(e => e.Path.StartsWith("/wide/", StringComparison.Ordinal)), Is.EqualTo(Ext4Images.WideNames));
        Assert.That(sync.Select(e => e.Path), Does.Contain("/" + string.Join('/', Enumerable.Range(0, Ext4Images.DeepLevels).Select(i => $"d{i}")) + "/bottom.txt"));
        Assert.That(sync[0].Path, Is.EqualTo("/"));
    }

    [Test]
    public void ACorruptedInodeOrSuperblockFailsItsChecksumNamingIt()
    {
        string copy = _folder.Combine("corrupt.img");
        File.Copy(_image, copy, overwrite: true);
        string imap = Ext4Images.Debugfs(_folder.FullPath, copy, ["imap /build.prop"]);
        Match where = ImapLocation().Match(imap);
        Assert.That(where.Success, imap);
        int blockSize;
        using (RawFileBlockSource probe = RawFileBlockSource.Open(copy))
        {
            blockSize = FileSystemImage.Open(probe).BlockSize;
        }
        long inodeOffset = (long.Parse(where.Groups[1].Value, CultureInfo.InvariantCulture) * blockSize) + long.Parse(where.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Flip(copy, inodeOffset + 0x10);

        using (RawFileBlockSource source = RawFileBlockSource.Open(copy))
        {
            FileSystemImage fs = FileSystemImage.Open(source);
            var error = Assert.Throws<InvalidDataException>(() => fs.GetEntry("/build.prop"));
            Assert.That(error!.Message, Does.Contain("inode").And.Contain("checksum mismatch"));
            Assert.That(fs.GetEntry("/sizes/f1").Length, Is.EqualTo(1), "other inodes still read");
        }
        Flip(copy, 1024 + 0x78);
        using (RawFileBlockSource source = RawFileBlockSource.Open(copy))
        {
            Assert.That(Assert.Throws<InvalidDataException>(() => FileSystemImage.Open(source))!.Message, Does.Contain("superblock").And.Contain("checksum"));
        }
    }

    [Test]
    public void ForeignOrEmptyImagesAreRefusedClearly()
    {
        byte[] erofs = new byte[8192];
        BitConverter.TryWriteBytes(erofs.AsSpan(1024), 0xE0F5E1E2u);

        Assert.That(Assert.Throws<InvalidDataException>(() => FileSystemImage.Open(new MemoryBlockSource(new byte[8192])))!.Message, Does.Contain("0xEF53").And.Contain("0xE0F5E1E2"));
        Assert.Throws<InvalidDataException>(() => FileSystemImage.Open(new MemoryBlockSource(new byte[100])));
        Assert.That(() => FileSystemImage.Open(new MemoryBlockSource(erofs)), Throws.InstanceOf<Exception>().With.Message.Contains("EROFS"), "EROFS is recognised and handed to its driver");
    }

    private static void Flip(string path, long offset)
    {
        using FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    [GeneratedRegex(@"located at block (\d+), offset 0x([0-9a-f]+)")]
    private static partial Regex ImapLocation();
}
