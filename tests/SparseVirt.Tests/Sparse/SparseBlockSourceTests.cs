using SparseVirt.BlockSources;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Sparse;

public class SparseBlockSourceTests
{
    private static SparseImageBuilder Mixed(uint blockSize = 4096) => new SparseImageBuilder(blockSize)
        .Raw(3, seed: 1).Fill(0xA1B2C3D4, 2).DontCare(4).Fill(0, 3).Crc32().Raw(1, seed: 2).Fill(0x01020304, 1).DontCare(2);

    [TestCase(4096u)]
    [TestCase(1024u)]
    [TestCase(12u)]
    public void Every_read_equals_the_expanded_bytes_at_any_offset_and_length(uint blockSize)
    {
        SparseImageBuilder builder = Mixed(blockSize);
        byte[] expected = builder.Expected;
        using var dir = new TempDirectory();
        string path = dir.Combine("mixed.simg");
        File.WriteAllBytes(path, builder.Build());

        using SparseBlockSource source = SparseBlockSource.Open(path);
        Assert.That(source.Length, Is.EqualTo(expected.Length));

        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            int offset = random.Next(expected.Length);
            int length = random.Next(expected.Length - offset + 1);
            byte[] read = new byte[length];
            source.Read(offset, read);
            Assert.That(read, Is.EqualTo(expected.AsSpan(offset, length).ToArray()), $"read of {length} bytes at {offset}");
        }
    }

    [Test]
    public void Raw_chunks_are_runs_of_the_image_file_and_fills_and_holes_are_not()
    {
        SparseImageBuilder builder = Mixed();
        byte[] expected = builder.Expected;
        using var dir = new TempDirectory();
        string path = dir.Combine("mixed.simg");
        File.WriteAllBytes(path, builder.Build());
        using SparseBlockSource source = SparseBlockSource.Open(path);
        const long B = 4096;

        BlockFileRun firstRaw = source.GetFileRun(B + 10, source.Length - B - 10);
        BlockFileRun fill = source.GetFileRun(3 * B, source.Length - (3 * B));
        BlockFileRun hole = source.GetFileRun(6 * B, B / 2);
        BlockFileRun secondRaw = source.GetFileRun(12 * B, 4 * B);

        Assert.That((firstRaw.IsInFile, firstRaw.Length), Is.EqualTo((true, (3 * B) - B - 10)), "to the end of the RAW chunk");
        Assert.That((fill.IsInFile, fill.Length), Is.EqualTo((false, 2 * B)), "a FILL chunk is generated, up to its end");
        Assert.That((hole.IsInFile, hole.Length), Is.EqualTo((false, B / 2)), "no longer than asked");
        Assert.That((secondRaw.IsInFile, secondRaw.Length), Is.EqualTo((true, B)));
        foreach ((BlockFileRun run, long offset) in new[] { (firstRaw, B + 10), (secondRaw, 12 * B) })
        {
            byte[] stored = new byte[run.Length];
            RandomAccess.Read(run.File!, stored, run.FileOffset);
            Assert.That(stored, Is.EqualTo(expected.AsSpan((int)offset, (int)run.Length).ToArray()), $"the file holds the bytes at {offset}");
        }
    }

    [Test]
    public void Extents_say_data_for_raw_and_nonzero_fill_and_hole_for_dont_care_and_zero_fill_merged()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("mixed.simg");
        File.WriteAllBytes(path, Mixed().Build());
        using SparseBlockSource source = SparseBlockSource.Open(path);

        BlockExtent[] extents = [.. source.GetExtents(0, source.Length)];

        const long B = 4096;
        Assert.That(extents, Is.EqualTo(new[]
        {
            new BlockExtent(0, 5 * B, BlockExtentKind.Data),          // RAW 3 + FILL 2
            new BlockExtent(5 * B, 7 * B, BlockExtentKind.Hole),      // DONT_CARE 4 + zero FILL 3
            new BlockExtent(12 * B, 2 * B, BlockExtentKind.Data),     // RAW 1 + FILL 1
            new BlockExtent(14 * B, 2 * B, BlockExtentKind.Hole),     // DONT_CARE 2
        }));
        Assert.That(source.GetExtents(B + 10, 5 * B), Is.EqualTo(new[]
        {
            new BlockExtent(B + 10, 4 * B - 10, BlockExtentKind.Data), new BlockExtent(5 * B, B + 10, BlockExtentKind.Hole),
        }));
    }

    [Test]
    public async Task Split_pieces_overlay_in_order_as_the_whole_expansion_does()
    {
        using var dir = new TempDirectory();
        // Two pieces over one 8-block disk: the second overwrites block 1 and leaves the rest DONT_CARE.
        string first = dir.Combine("a.simg"), second = dir.Combine("b.simg"), whole = dir.Combine("whole.raw");
        File.WriteAllBytes(first, new SparseImageBuilder().Raw(4, seed: 3).Fill(7, 2).DontCare(2).Build());
        File.WriteAllBytes(second, new SparseImageBuilder().DontCare(1).Raw(1, seed: 4).DontCare(3).Fill(9, 2).DontCare(1).Build());
        SparseImage.ToRaw(SparseSource.FromPaths([first, second]), whole);
        byte[] expected = File.ReadAllBytes(whole);

        await using SparseBlockSource source = SparseBlockSource.Open([first, second]);
        byte[] read = new byte[source.Length];
        await source.ReadAsync(0, read);

        Assert.That(read, Is.EqualTo(expected));
        Assert.That(source.GetExtents(0, source.Length).Select(e => e.Kind), Is.EqualTo(new[] { BlockExtentKind.Data, BlockExtentKind.Hole }));
    }

    [Test]
    public void A_bad_piece_is_refused_with_its_path_named()
    {
        using var dir = new TempDirectory();
        string bad = dir.Combine("bad.simg");
        File.WriteAllBytes(bad, new SparseImageBuilder { Magic = 1 }.Raw(1, seed: 1).Build());

        var e = Assert.Throws<InvalidDataException>(() => SparseBlockSource.Open(bad));
        Assert.That(e!.Message, Does.StartWith(bad));
    }
}
