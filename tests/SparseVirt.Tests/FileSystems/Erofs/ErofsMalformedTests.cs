using System.Buffers.Binary;
using System.Numerics;
using SparseVirt.BlockSources;
using SparseVirt.FileSystems;
using SparseVirt.FileSystems.Drivers;
using SparseVirt.FileSystems.Erofs;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>
/// Damaged images (truncated, bad magic or checksum, bad inode fields, looping or oversized compression indexes,
/// random byte flips) give InvalidDataException or, for features of later formats, NotSupportedException, and
/// always finish.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ErofsMalformedTests
{
    private TempDirectory temp = null!;
    private byte[] plain = null!;
    private byte[] compressed = null!;
    private byte[] legacy = null!;

    [OneTimeSetUp]
    public void MakeImages()
    {
        ExternalTool.Require("mkfs.erofs", "erofs-utils");
        temp = new TempDirectory();
        string tree = temp.Combine("tree");
        Directory.CreateDirectory(Path.Combine(tree, "dir"));
        for (int index = 0; index < 40; index++)
        {
            File.WriteAllText(Path.Combine(tree, "dir", $"file-{index}"), new string('x', index * 37));
        }
        File.WriteAllText(Path.Combine(tree, "text"), string.Concat(Enumerable.Range(0, 9000).Select(i => $"line {i}\n")));
        File.CreateSymbolicLink(Path.Combine(tree, "link"), "text");
        plain = File.ReadAllBytes(ErofsImages.Make(temp.Combine("plain.erofs"), tree));
        compressed = File.ReadAllBytes(ErofsImages.Make(temp.Combine("lz4.erofs"), tree, "-zlz4hc", "-Eztailpacking"));
        legacy = File.ReadAllBytes(ErofsImages.Make(temp.Combine("legacy.erofs"), tree, "-zlz4", "-Elegacy-compress"));
    }

    [OneTimeTearDown]
    public void Remove() => temp?.Dispose();

    [Test]
    public async Task The_untouched_images_read_completely()
    {
        foreach (byte[] image in new[] { plain, compressed, legacy })
        {
            Assert.That(await ReadEverythingAsync(image), Is.GreaterThan(40));
        }
    }

    [Test]
    public async Task A_changed_superblock_fails_its_checksum()
    {
        byte[] image = (byte[])plain.Clone();
        image[1024 + 64] ^= 0x55; // volume name
        var error = await Throws<InvalidDataException>(() => ReadEverythingAsync(image));
        Assert.That(error.Message, Does.Contain("checksum"));
    }

    [Test]
    public async Task A_truncated_image_is_invalid_at_every_cut()
    {
        foreach (byte[] image in new[] { plain, compressed })
        {
            for (int length = 1200; length < image.Length - 4096; length += 1500)
            {
                await Throws<InvalidDataException>(() => ReadEverythingAsync(image.AsSpan(0, length).ToArray()), $"cut at {length}");
            }
        }
    }

    [Test]
    public async Task A_reserved_data_layout_and_unknown_format_bits_are_named()
    {
        byte[] image = Patch(plain, (bytes, root) => bytes[root] = (byte)((bytes[root] & 1) | (5 << 1)));
        var error = await Throws<InvalidDataException>(() => ReadEverythingAsync(image));
        Assert.That(error.Message, Does.Contain("data layout 5").And.Contain("nid"));
        image = Patch(plain, (bytes, root) => bytes[root] |= 0x40);
        await Throws<NotSupportedException>(() => ReadEverythingAsync(image));
    }

    [Test]
    public async Task Later_incompatible_features_are_refused_by_name()
    {
        byte[] image = Patch(plain, (bytes, _) => bytes[1024 + 80] |= 0x20);
        var error = await Throws<NotSupportedException>(() => ReadEverythingAsync(image));
        Assert.That(error.Message, Does.Contain("fragments"));
        image = Patch(plain, (bytes, _) => bytes[1024 + 80] |= 0x40);
        Assert.That((await Throws<NotSupportedException>(() => ReadEverythingAsync(image))).Message, Does.Contain("xattr name prefixes"));
    }

    [Test]
    public async Task An_oversized_directory_is_refused_before_it_is_read()
    {
        byte[] image = Patch(plain, (bytes, root) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(root + 8), uint.MaxValue));
        await Throws<InvalidDataException>(() => ReadEverythingAsync(image));
    }

    [TestCase((ushort)0, TestName = "A NONHEAD lcluster pointing 0 back is a loop")]
    [TestCase((ushort)1, TestName = "NONHEAD lclusters pointing back past the file's start")]
    [TestCase((ushort)2000, TestName = "A NONHEAD lcluster pointing far back")]
    public async Task A_looping_or_oversized_compression_index_is_invalid(ushort delta)
    {
        // The full (legacy) index: 8-byte entries from 16 bytes past the 8-aligned end of the inode; every entry of
        // "text" becomes a NONHEAD lcluster whose head lies delta lclusters back.
        var source = new MemoryBlockSource(legacy);
        ErofsDriver driver = await ErofsWalk.OpenAsync(source);
        FileSystemNode text = await ErofsReadTests.ResolveAsync(driver, "text", true);
        var inode = (ErofsInode)text.DriverState;
        long indexStart = ((inode.TrailerPosition + 7) & ~7L) + 16;
        long lclusters = (text.Length + 4095) / 4096;
        byte[] image = (byte[])legacy.Clone();
        for (long lcn = 0; lcn < lclusters; lcn++)
        {
            Span<byte> entry = image.AsSpan((int)(indexStart + (lcn * 8)), 8);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[4..], delta);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[6..], 1);
        }
        image = Patch(image, (_, _) => { });
        var error = await Throws<InvalidDataException>(() => ReadEverythingAsync(image));
        Assert.That(error.Message, Does.Contain($"nid {inode.Nid}"));
    }

    [Test]
    public async Task Random_byte_flips_give_only_the_documented_exceptions()
    {
        var random = new Random(4242);
        int rejected = 0;
        foreach (byte[] original in new[] { plain, compressed, legacy })
        {
            // The metadata lives in the first blocks of these small images; flips there reach every parser.
            int span = Math.Min(original.Length, 3 * 4096);
            for (int round = 0; round < 150; round++)
            {
                byte[] image = (byte[])original.Clone();
                for (int flip = random.Next(1, 4); flip > 0; flip--)
                {
                    image[random.Next(1024, span)] ^= (byte)random.Next(1, 256);
                }
                try
                {
                    await ReadEverythingAsync(Patch(image, (_, _) => { }));
                }
                catch (Exception error) when (error is InvalidDataException or NotSupportedException)
                {
                    rejected++;
                }
            }
        }
        TestContext.Out.WriteLine($"{rejected} of 450 damaged images rejected");
        Assert.That(rejected, Is.GreaterThan(0));
    }

    private static async Task<T> Throws<T>(Func<Task> action, string? context = null)
        where T : Exception
    {
        try
        {
            await action();
        }
        catch (T error)
        {
            return error;
        }
        catch (Exception other)
        {
            Assert.Fail($"{context}: expected {typeof(T).Name}, got {other}");
        }
        Assert.Fail($"{context}: expected {typeof(T).Name}, nothing was thrown");
        return null!;
    }

    /// <summary>Opens, walks (each directory once) and reads every file, link and xattr; returns the entry count.</summary>
    private static async Task<int> ReadEverythingAsync(byte[] image)
    {
        var source = new MemoryBlockSource(image);
        ErofsDriver driver = await ErofsDriver.TryOpenAsync(source, true, CancellationToken.None)
            ?? throw new InvalidDataException("not recognised");
        var seen = new HashSet<ulong>();
        var pending = new Queue<FileSystemNode>();
        pending.Enqueue(await driver.ReadNodeAsync(driver.RootInode, true, CancellationToken.None));
        int count = 0;
        byte[] buffer = new byte[65536];
        while (pending.Count > 0 && count < 10_000)
        {
            FileSystemNode directory = pending.Dequeue();
            if (!seen.Add(directory.Inode))
            {
                continue;
            }
            foreach (DirectoryRecord record in await driver.ReadDirectoryAsync(directory, true, CancellationToken.None))
            {
                FileSystemNode node = await driver.ReadNodeAsync(record.Inode, true, CancellationToken.None);
                count++;
                await driver.ReadExtendedAttributesAsync(node, false, CancellationToken.None);
                switch (node.Kind)
                {
                    case FileSystemEntryKind.Directory:
                        pending.Enqueue(node);
                        break;
                    case FileSystemEntryKind.SymbolicLink:
                        await driver.ReadLinkAsync(node, true, CancellationToken.None);
                        break;
                    case FileSystemEntryKind.File:
                        for (long offset = 0; offset < Math.Min(node.Length, 1 << 20); offset += buffer.Length)
                        {
                            await driver.ReadFileAsync(node, offset, buffer, offset % 2 == 0, CancellationToken.None);
                        }
                        await driver.GetDataRangesAsync(node, true, CancellationToken.None);
                        break;
                }
            }
        }
        return count;
    }

    /// <summary>A copy of <paramref name="image"/> changed by <paramref name="change"/> (given the root inode's byte offset), its superblock checksum recomputed.</summary>
    private static byte[] Patch(byte[] image, Action<byte[], int> change)
    {
        byte[] copy = (byte[])image.Clone();
        int metaStart = (int)BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(1024 + 40)) * 4096;
        int root = metaStart + (BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(1024 + 14)) * 32);
        change(copy, root);
        if (copy.Length >= 4096 && (copy[1024 + 8] & 1) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(1024 + 4), 0);
            uint crc = uint.MaxValue;
            foreach (byte value in copy.AsSpan(1024, 3072))
            {
                crc = BitOperations.Crc32C(crc, value);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(1024 + 4), crc);
        }
        return copy;
    }
}
