using System.Buffers.Binary;
using CsCheck;
using SparseVirt.BlockSources;
using SparseVirt.Nbd.Exports;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Nbd;

/// <summary>The named NBD overlay keeps its flushed writes across reopenings and refuses files that are not its own.</summary>
public class PersistentOverlayTests
{
    private const int Block = 4096;

    private static MemoryBlockSource Base(int blocks, byte seed) =>
        new(Enumerable.Range(0, blocks * Block).Select(i => (byte)((i / Block) + seed)).ToArray(), Block);

    private static byte[] Pattern(byte value, int length = Block) => Enumerable.Repeat(value, length).ToArray();

    [Test]
    public async Task Flushed_writes_and_zeroes_are_there_after_reopening_and_unflushed_ones_may_not_be()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("disk.overlay");
        MemoryBlockSource source = Base(16, 1);

        using (CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path))
        {
            await overlay.WriteAsync(2 * Block, Pattern(0xAA), forceUnitAccess: false, CancellationToken.None);
            await overlay.WriteAsync((5 * Block) + 100, Pattern(0xBB, 300), forceUnitAccess: false, CancellationToken.None);
            await overlay.ZeroAsync(7 * Block, 2 * Block, allocate: false, forceUnitAccess: false, CancellationToken.None);
            await overlay.FlushAsync(CancellationToken.None);
            await overlay.WriteAsync(9 * Block, Pattern(0xCC), forceUnitAccess: true, CancellationToken.None);
            await overlay.WriteAsync(11 * Block, Pattern(0xDD), forceUnitAccess: false, CancellationToken.None);
        }

        using CopyOnWriteOverlay reopened = CopyOnWriteOverlay.Create(source, path);
        byte[] view = new byte[16 * Block];
        reopened.Read(0, view);
        byte[] expected = new byte[16 * Block];
        source.Read(0, expected);
        Pattern(0xAA).CopyTo(expected, 2 * Block);
        Pattern(0xBB, 300).CopyTo(expected, (5 * Block) + 100);
        Array.Clear(expected, 7 * Block, 2 * Block);
        Pattern(0xCC).CopyTo(expected, 9 * Block);
        // Block 11 was never flushed: either is allowed; take what the overlay says.
        view.AsSpan(11 * Block, Block).CopyTo(expected.AsSpan(11 * Block));
        Assert.That(view, Is.EqualTo(expected));
        Assert.That(reopened.GetExtents(7 * Block, 2 * Block).Single().Kind, Is.EqualTo(BlockExtentKind.Hole));
    }

    [Test]
    public void An_overlay_of_another_base_or_a_foreign_file_is_refused_and_left_unchanged()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("disk.overlay");
        using (CopyOnWriteOverlay.Create(Base(16, 1), path))
        {
        }
        byte[] before = File.ReadAllBytes(path);

        var otherContent = Assert.Throws<InvalidDataException>(() => CopyOnWriteOverlay.Create(Base(16, 2), path));
        var otherLength = Assert.Throws<InvalidDataException>(() => CopyOnWriteOverlay.Create(Base(8, 1), path));
        string foreign = folder.Combine("notes.txt");
        File.WriteAllText(foreign, "a user's file, not an overlay");
        var notOurs = Assert.Throws<InvalidDataException>(() => CopyOnWriteOverlay.Create(Base(16, 1), foreign));

        Assert.Multiple(() =>
        {
            Assert.That(otherContent!.Message, Does.Contain("another base").And.Contain("left as it is").And.Contain("NbdExport.WithOverlayReset"));
            Assert.That(otherLength!.Message, Does.Contain("65536 bytes").And.Contain("32768"));
            Assert.That(notOurs!.Message, Does.Contain("not a SparseVirt NBD overlay"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
            Assert.That(File.ReadAllText(foreign), Is.EqualTo("a user's file, not an overlay"));
        });
    }

    [Test]
    public async Task A_torn_map_slot_falls_back_to_the_other_and_two_torn_slots_are_refused()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("disk.overlay");
        MemoryBlockSource source = Base(16, 1);
        using (CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path))
        {
            await overlay.WriteAsync(0, Pattern(0x11), forceUnitAccess: true, CancellationToken.None); // slot 1, sequence 1
            await overlay.WriteAsync(Block, Pattern(0x22), forceUnitAccess: true, CancellationToken.None); // slot 0, sequence 2
        }
        (long slot0, long slot1) = SlotOffsets(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[slot0 + 16] ^= 0xFF; // the newer slot is torn: the older one's state is the last good flush
        File.WriteAllBytes(path, bytes);

        using (CopyOnWriteOverlay reopened = CopyOnWriteOverlay.Create(source, path))
        {
            byte[] first = new byte[2 * Block];
            reopened.Read(0, first);
            byte[] expectedSecond = new byte[Block];
            source.Read(Block, expectedSecond);
            Assert.That(first.AsSpan(0, Block).ToArray(), Is.EqualTo(Pattern(0x11)));
            Assert.That(first.AsSpan(Block).ToArray(), Is.EqualTo(expectedSecond), "the torn flush's block reads from the base");
        }

        bytes = File.ReadAllBytes(path);
        bytes[slot1 + 16] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var refused = Assert.Throws<InvalidDataException>(() => CopyOnWriteOverlay.Create(source, path));
        Assert.That(refused!.Message, Does.Contain("both of its map slots are damaged"));
    }

    [Test]
    public void Any_bytes_as_an_overlay_file_are_refused_or_opened_never_a_crash()
    {
        using var folder = new TempDirectory();
        string valid = folder.Combine("valid.overlay");
        MemoryBlockSource source = Base(4, 3);
        using (CopyOnWriteOverlay.Create(source, valid))
        {
        }
        byte[] template = File.ReadAllBytes(valid);
        int round = 0;

        Gen.Select(Gen.Int[0, template.Length - 1].Array[1, 8], Gen.Byte.Array[1, 8], Gen.Int[0, 2]).Sample((positions, values, shape) =>
        {
            byte[] bytes = shape switch
            {
                0 => (byte[])template.Clone(),
                1 => template[..(positions[0] % template.Length)],
                _ => [.. values, .. template],
            };
            for (int i = 0; i < positions.Length && shape == 0; i++)
            {
                bytes[positions[i]] ^= values[i % values.Length];
            }
            string path = folder.Combine($"case-{Interlocked.Increment(ref round)}.overlay");
            File.WriteAllBytes(path, bytes);
            try
            {
                using CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path);
                overlay.Read(0, new byte[4 * Block]);
            }
            catch (InvalidDataException)
            {
            }
            File.Delete(path);
        }, iter: 300);
        Assert.That(round, Is.EqualTo(300));
    }

    [Test]
    public async Task Serve_refuses_a_file_that_is_not_its_overlay_and_leaves_it_as_it_is()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("disk.simg");
        File.WriteAllBytes(image, new SparseVirt.Tests.Sparse.Decoding.SparseImageBuilder().Raw(4, seed: 2).DontCare(4).Build());
        string overlay = folder.Combine("disk.overlay");
        File.WriteAllText(overlay, "the user's notes");

        SparseVirt.Tests.Cli.CliResult result = await SparseVirt.Tests.Cli.CliHarness.RunAsync("serve", image, "--writable", "--overlay", overlay);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Error);
            Assert.That(result.Error, Does.Contain("not a SparseVirt NBD overlay").And.Contain("--reset-overlay"));
            Assert.That(File.ReadAllText(overlay), Is.EqualTo("the user's notes"));
        });
    }

    private static (long Slot0, long Slot1) SlotOffsets(string path)
    {
        byte[] header = File.ReadAllBytes(path).AsSpan(0, OverlayFile.HeaderSize).ToArray();
        long slotOffset = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(32));
        long slotSize = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(40));
        return (slotOffset, slotOffset + slotSize);
    }
}
