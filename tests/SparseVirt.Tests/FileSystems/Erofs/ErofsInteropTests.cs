using System.Text;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems;
using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Erofs;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>
/// Images made by mkfs.erofs (erofs-utils 1.5) in each layout it can write, read by the driver and compared, entry
/// by entry and byte by byte, with what fsck.erofs --extract makes of the same image.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ErofsInteropTests : ErofsTreeFixture
{
    private Dictionary<string, FoundEntry> originals = null!;

    [OneTimeSetUp]
    public void FindOriginals() => originals = ErofsImages.Find(Tree);

    [TestCase("", true, TestName = "uncompressed, tail-inline (default)")]
    [TestCase("-Enoinline_data", false, TestName = "uncompressed, no inline data (FLAT_PLAIN only)")]
    [TestCase("-zlz4", true, TestName = "lz4, compact indexes, 0padding")]
    [TestCase("-zlz4hc", false, TestName = "lz4hc")]
    [TestCase("-zlz4hc,12 -Eztailpacking", true, TestName = "lz4hc, tail-packed pclusters")]
    [TestCase("-zlz4 -C65536", false, TestName = "lz4, big pclusters of 64 KiB")]
    [TestCase("-zlz4hc -C16384 -Eztailpacking", true, TestName = "lz4hc, big pclusters of 16 KiB, tail-packed")]
    [TestCase("-zlz4 -Elegacy-compress", false, TestName = "lz4, full (legacy) indexes without 0padding")]
    [TestCase("-zlz4hc -Elegacy-compress -C65536", true, TestName = "lz4hc, full indexes, big pclusters")]
    [TestCase("-zlz4 -Elegacy-compress -Eztailpacking", false, TestName = "lz4, full indexes, tail-packed")]
    [TestCase("--chunksize=8192", false, TestName = "chunk-based, block map")]
    [TestCase("--chunksize=4096 -Eforce-chunk-indexes", true, TestName = "chunk-based, chunk indexes")]
    [TestCase("-T1000000000", false, TestName = "fixed time: compact inodes but for large ids")]
    [TestCase("-T1000000000 -Eforce-inode-compact --all-root", true, TestName = "compact inodes only, all root")]
    [TestCase("-Eforce-inode-extended -zlz4", true, TestName = "extended inodes, lz4")]
    public async Task Every_entry_matches_fsck_extract(string options, bool async)
    {
        string image = ErofsImages.Make(Temp.Combine("image.erofs"), Tree, options.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string extracted = Temp.Combine("extracted-" + Guid.NewGuid().ToString("N"));
        ErofsImages.Extract(image, extracted);
        Dictionary<string, FoundEntry> expected = ErofsImages.Find(extracted);

        using RawFileBlockSource source = RawFileBlockSource.Open(image);
        ErofsDriver driver = await ErofsWalk.OpenAsync(source, async);
        SortedDictionary<string, FileSystemNode> nodes = await ErofsWalk.AllAsync(driver, async);

        Assert.That(nodes.Keys.Where(path => path != "/"), Is.EquivalentTo(expected.Keys));
        foreach ((string path, FileSystemNode node) in nodes.Where(pair => pair.Key != "/"))
        {
            await CompareAsync(driver, path, node, expected[path], originals[path], extracted, async);
        }
        await CompareXattrsAsync(driver, nodes, async);
        Assert.That(nodes["/hard-b"].Inode, Is.EqualTo(nodes["/hard-a"].Inode));
        Assert.That(nodes["/hard-a"].LinkCount, Is.EqualTo(2u));
        if (nodes.TryGetValue("/char-device", out FileSystemNode? device))
        {
            Assert.That(device.DeviceNumber, Is.EqualTo(MakeDev(4, 5)));
            Assert.That(nodes["/block-device"].DeviceNumber, Is.EqualTo(MakeDev(259, 300000)));
        }
    }

    private static async Task CompareAsync(ErofsDriver driver, string path, FileSystemNode node, FoundEntry found, FoundEntry original, string extracted, bool async)
    {
        Assert.That(TypeChar(node.Kind), Is.EqualTo(found.Type), path);
        Assert.That(node.UserId, Is.EqualTo(found.UserId), path + " uid");
        Assert.That(node.GroupId, Is.EqualTo(found.GroupId), path + " gid");
        // fsck.erofs --extract, as root, changes the owner after the mode, which clears set-user-ID; the image keeps
        // it (its raw i_mode is 04755), so the special bits are compared with the source tree.
        Assert.That((int)node.Mode & 0x1FF, Is.EqualTo(found.Mode & 0x1FF), path + " mode");
        Assert.That((int)node.Mode & 0xE00, Is.EqualTo(original.Mode & 0xE00), path + " special mode bits");
        switch (node.Kind)
        {
            case FileSystemEntryKind.File:
                Assert.That(node.Length, Is.EqualTo(found.Size), path + " size");
                byte[] bytes = await ErofsWalk.ReadAllAsync(driver, node, async);
                Assert.That(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(extracted + path)), Is.True, path + " contents");
                break;
            case FileSystemEntryKind.SymbolicLink:
                string target = await driver.ReadLinkAsync(node, async, CancellationToken.None);
                Assert.That(target, Is.EqualTo(found.LinkTarget), path + " target");
                Assert.That(node.Length, Is.EqualTo(Encoding.UTF8.GetByteCount(target)), path + " length");
                break;
        }
        if (node.Kind != FileSystemEntryKind.SymbolicLink)
        {
            // fsck.erofs sets the times of what it extracts, except symbolic links'.
            Assert.That(node.ModifiedTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, Is.EqualTo(found.MtimeTicks), path + " mtime");
        }
    }

    private async Task CompareXattrsAsync(ErofsDriver driver, SortedDictionary<string, FileSystemNode> nodes, bool async)
    {
        foreach ((string path, IReadOnlyDictionary<string, string> attributes) in Xattrs)
        {
            IReadOnlyList<ExtendedAttribute> read = await driver.ReadExtendedAttributesAsync(nodes["/" + path], async, CancellationToken.None);
            Dictionary<string, string> actual = read.ToDictionary(a => a.Name, a => Encoding.UTF8.GetString(a.Value.Span));
            Assert.That(actual, Is.EquivalentTo(attributes), "/" + path + " xattrs");
        }
        IReadOnlyList<ExtendedAttribute> none = await driver.ReadExtendedAttributesAsync(nodes["/text-1"], async, CancellationToken.None);
        Assert.That(none, Is.Empty);
    }

    private static char TypeChar(FileSystemEntryKind kind) => kind switch
    {
        FileSystemEntryKind.File => 'f',
        FileSystemEntryKind.Directory => 'd',
        FileSystemEntryKind.SymbolicLink => 'l',
        FileSystemEntryKind.CharacterDevice => 'c',
        FileSystemEntryKind.BlockDevice => 'b',
        FileSystemEntryKind.Fifo => 'p',
        _ => 's',
    };

    /// <summary>glibc's makedev, the st_rdev encoding the driver reports.</summary>
    private static ulong MakeDev(ulong major, ulong minor) =>
        ((major & 0xFFFFF000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
}
