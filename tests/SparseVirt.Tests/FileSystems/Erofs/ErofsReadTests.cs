using System.Buffers.Binary;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Erofs;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>Random access into compressed files, what a read costs in image bytes, data ranges, and the sync path.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ErofsReadTests : ErofsTreeFixture
{

    [TestCase("-zlz4hc", true)]
    [TestCase("-zlz4 -C65536 -Eztailpacking", false)]
    [TestCase("-zlz4 -Elegacy-compress", true)]
    public async Task Random_reads_of_a_compressed_file_match_its_bytes_and_read_only_their_pclusters(string options, bool async)
    {
        string image = ErofsImages.Make(Temp.Combine($"random-{Guid.NewGuid():N}.erofs"), Tree, options.Split(' '));
        byte[] expected = File.ReadAllBytes(Path.Combine(Tree, "text-big"));
        using RawFileBlockSource raw = RawFileBlockSource.Open(image);
        var counting = new CountingBlockSource(raw);
        ErofsDriver driver = await ErofsWalk.OpenAsync(counting, async);
        FileSystemNode file = await ResolveAsync(driver, "text-big", async);

        long before = counting.BytesRead;
        byte[] small = new byte[100];
        Assert.That(await driver.ReadFileAsync(file, 700_000, small, async, CancellationToken.None), Is.EqualTo(100));
        Assert.That(small, Is.EqualTo(expected.AsSpan(700_000, 100).ToArray()));
        long cost = counting.BytesRead - before;
        // One pcluster (at most 64 KiB here) and a few index blocks, of a 1.3 MB file (measured: see the report).
        TestContext.Out.WriteLine($"{options}: 100 bytes at 700000 read {cost} image bytes");
        Assert.That(cost, Is.LessThan((64 + 16) * 1024));

        var random = new Random(7);
        for (int index = 0; index < 200; index++)
        {
            int offset = random.Next(expected.Length + 100);
            byte[] buffer = new byte[random.Next(1, 300_000)];
            int read = await driver.ReadFileAsync(file, offset, buffer, async, CancellationToken.None);
            int want = Math.Max(0, Math.Min(buffer.Length, expected.Length - offset));
            Assert.That(read, Is.EqualTo(want), $"count at {offset}");
            Assert.That(buffer.AsSpan(0, read).SequenceEqual(expected.AsSpan(Math.Min(offset, expected.Length), read)), Is.True, $"bytes at {offset}");
        }
    }

    [Test]
    public async Task Chunk_holes_are_reported_and_read_as_zeros()
    {
        // mkfs.erofs 1.5 stores every chunk, zeros included (measured: the 3 MiB "sparse" file is one data range), so
        // the holes are made here: chunk entries set to EROFS_NULL_ADDR, as later mkfs.erofs writes for holes.
        string image = ErofsImages.Make(Temp.Combine("chunks.erofs"), Tree, "--chunksize=4096");
        byte[] bytes = File.ReadAllBytes(image);
        var original = new MemoryBlockSource(bytes);
        FileSystemNode stored = await ResolveAsync(await ErofsWalk.OpenAsync(original), "sparse", true);
        var inode = (ErofsInode)stored.DriverState;
        long table = (inode.TrailerPosition + 3) & ~3L;
        for (int chunk = 2; chunk < 3 << 8; chunk++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)(table + (chunk * 4))), uint.MaxValue);
        }
        ErofsDriver driver = await ErofsWalk.OpenAsync(new MemoryBlockSource(bytes));
        FileSystemNode sparse = await driver.ReadNodeAsync(stored.Inode, true, CancellationToken.None);
        IReadOnlyList<FileDataRange> ranges = await driver.GetDataRangesAsync(sparse, true, CancellationToken.None);
        Assert.That(ranges, Is.EqualTo(new[] { new FileDataRange(0, 8192), new FileDataRange(3 << 20, sparse.Length - (3 << 20)) }));
        byte[] contents = await ErofsWalk.ReadAllAsync(driver, sparse, false);
        Assert.That(contents, Is.EqualTo(File.ReadAllBytes(Path.Combine(Tree, "sparse"))));

        string flat = ErofsImages.Make(Temp.Combine("flat.erofs"), Tree);
        using RawFileBlockSource flatSource = RawFileBlockSource.Open(flat);
        ErofsDriver flatDriver = await ErofsWalk.OpenAsync(flatSource);
        FileSystemNode whole = await ResolveAsync(flatDriver, "sparse", true);
        Assert.That(await flatDriver.GetDataRangesAsync(whole, true, CancellationToken.None), Is.EqualTo(new[] { new FileDataRange(0, whole.Length) }));
    }

    [Test]
    public async Task Concurrent_reads_of_different_files_share_the_driver_safely()
    {
        // The driver's one shared field is the last decoded extent; readers of different files keep replacing it.
        string image = ErofsImages.Make(Temp.Combine("concurrent.erofs"), Tree, "-zlz4hc", "-C16384");
        using RawFileBlockSource source = RawFileBlockSource.Open(image);
        ErofsDriver driver = await ErofsWalk.OpenAsync(source);
        string[] names = ["text-big", "text-262149", "noise-262149", "text-65537", "noise-100000", "text-12293"];
        FileSystemNode[] files = await Task.WhenAll(names.Select(name => ResolveAsync(driver, name, true)));
        await Task.WhenAll(Enumerable.Range(0, 12).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            int which = worker % names.Length;
            byte[] expected = File.ReadAllBytes(Path.Combine(Tree, names[which]));
            for (int round = 0; round < 40; round++)
            {
                int offset = random.Next(expected.Length);
                byte[] buffer = new byte[random.Next(1, 40_000)];
                int read = await driver.ReadFileAsync(files[which], offset, buffer, round % 2 == 0, CancellationToken.None);
                Assert.That(buffer.AsSpan(0, read).SequenceEqual(expected.AsSpan(offset, read)), Is.True, $"{names[which]} at {offset}");
            }
        })));
    }

    [Test]
    public async Task The_sync_path_completes_synchronously()
    {
        string image = ErofsImages.Make(Temp.Combine("sync.erofs"), Tree, "-zlz4", "-C16384");
        using RawFileBlockSource source = RawFileBlockSource.Open(image);
        ValueTask<ErofsDriver?> open = ErofsDriver.TryOpenAsync(source, false, CancellationToken.None);
        Assert.That(open.IsCompleted, Is.True);
        ErofsDriver driver = (await open)!;
        FileSystemNode file = await ResolveAsync(driver, "text-big", false);
        ValueTask<int> read = driver.ReadFileAsync(file, 123_456, new byte[70_000], false, CancellationToken.None);
        Assert.That(read.IsCompleted, Is.True);
        Assert.That(await read, Is.EqualTo(70_000));
        ValueTask<IReadOnlyList<ExtendedAttribute>> attributes = driver.ReadExtendedAttributesAsync(file, false, CancellationToken.None);
        Assert.That(attributes.IsCompleted, Is.True);
    }

    [Test]
    public async Task An_image_without_the_magic_is_not_erofs()
    {
        var source = new MemoryBlockSource(new byte[8192]);
        Assert.That(await ErofsDriver.TryOpenAsync(source, true, CancellationToken.None), Is.Null);
        Assert.That(await ErofsDriver.TryOpenAsync(new MemoryBlockSource(new byte[100]), false, CancellationToken.None), Is.Null);
    }

    internal static async Task<FileSystemNode> ResolveAsync(FileSystemDriver driver, string name, bool async)
    {
        FileSystemNode root = await driver.ReadNodeAsync(driver.RootInode, async, CancellationToken.None);
        DirectoryRecord record = (await driver.ReadDirectoryAsync(root, async, CancellationToken.None)).Single(r => r.Name == name);
        return await driver.ReadNodeAsync(record.Inode, async, CancellationToken.None);
    }
}
