using SparseVirt.BlockSources;
using SparseVirt.Nbd.Exports;

namespace SparseVirt.Tests.Nbd;

/// <summary>The overlay behind writable exports, against a plain byte array doing the same edits.</summary>
public class CopyOnWriteOverlayTests
{
    [Test]
    public async Task Random_writes_and_zeroes_read_back_as_the_same_edits_on_a_copy_and_the_source_is_untouched()
    {
        // 10 blocks and a short last one: ranges at the end exercise the partial final block.
        var source = new ScriptedBlockSource(4096, (3 * 4096, BlockExtentKind.Data), (4 * 4096, BlockExtentKind.Hole), (3 * 4096 + 1000, BlockExtentKind.Data));
        byte[] original = source.ToArray();
        byte[] expected = (byte[])original.Clone();
        using CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path: null);
        var random = new Random(17);

        for (int i = 0; i < 200; i++)
        {
            int offset = random.Next(expected.Length);
            int length = random.Next(Math.Min(20000, expected.Length - offset) + 1);
            if (random.Next(3) == 0)
            {
                await overlay.ZeroAsync(offset, length, allocate: random.Next(2) == 0, forceUnitAccess: false, CancellationToken.None);
                expected.AsSpan(offset, length).Clear();
            }
            else
            {
                byte[] data = new byte[length];
                random.NextBytes(data);
                await overlay.WriteAsync(offset, data, forceUnitAccess: i % 50 == 0, CancellationToken.None);
                data.CopyTo(expected, offset);
            }
        }

        byte[] viaAsync = new byte[expected.Length];
        await overlay.ReadAsync(0, viaAsync);
        byte[] viaSync = new byte[expected.Length];
        overlay.Read(0, viaSync);
        Assert.That(viaAsync, Is.EqualTo(expected));
        Assert.That(viaSync, Is.EqualTo(expected));
        Assert.That(source.ToArray(), Is.EqualTo(original));
        BlockExtent[] extents = [.. overlay.GetExtents(0, overlay.Length)];
        Assert.That(extents.Sum(e => e.Length), Is.EqualTo(overlay.Length));
        Assert.That(extents.Where(e => e.ReadsAsZeros).All(e => expected.AsSpan((int)e.Offset, (int)e.Length).IndexOfAnyExcept((byte)0) < 0), Is.True, "every zero or hole extent reads as zeros");
    }

    [Test]
    public async Task Reset_forgets_every_change_so_the_overlay_reads_as_its_source_again()
    {
        var source = new ScriptedBlockSource(4096, (2 * 4096, BlockExtentKind.Data), (2 * 4096, BlockExtentKind.Hole), (100, BlockExtentKind.Data));
        byte[] original = source.ToArray();
        using CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path: null);
        await overlay.WriteAsync(100, new byte[5000].Select(_ => (byte)0xAB).ToArray(), forceUnitAccess: false, CancellationToken.None);
        await overlay.ZeroAsync(0, 4096, allocate: true, forceUnitAccess: false, CancellationToken.None);
        await overlay.WriteAsync(overlay.Length - 50, new byte[50], forceUnitAccess: false, CancellationToken.None);

        overlay.Reset();

        byte[] read = new byte[overlay.Length];
        await overlay.ReadAsync(0, read);
        Assert.That(read, Is.EqualTo(original));
        Assert.That(overlay.GetExtents(0, overlay.Length), Is.EqualTo(source.GetExtents(0, source.Length)));
        // Written again after the reset: the new bytes, not the ones the file still holds from before.
        await overlay.WriteAsync(4096, new byte[] { 1, 2, 3 }, forceUnitAccess: false, CancellationToken.None);
        overlay.Read(4096 - 2, read.AsSpan(0, 7));
        Assert.That(read.AsSpan(0, 7).ToArray(), Is.EqualTo((byte[])[original[4094], original[4095], 1, 2, 3, original[4099], original[4100]]));
    }

    [Test]
    public async Task Zeroing_whole_blocks_leaves_holes_and_partial_blocks_are_written()
    {
        var source = new ScriptedBlockSource(4096, (8 * 4096, BlockExtentKind.Data));
        using CopyOnWriteOverlay overlay = CopyOnWriteOverlay.Create(source, path: null);

        await overlay.ZeroAsync(4096 + 100, (3 * 4096) - 100, allocate: false, forceUnitAccess: false, CancellationToken.None);

        Assert.That(overlay.GetExtents(0, overlay.Length), Is.EqualTo(new[]
        {
            new BlockExtent(0, 2 * 4096, BlockExtentKind.Data),
            new BlockExtent(2 * 4096, 2 * 4096, BlockExtentKind.Hole),
            new BlockExtent(4 * 4096, 4 * 4096, BlockExtentKind.Data),
        }));
    }
}
