using SparseVirt.BlockSources;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.BlockSources;

public class BlockSourceTests
{
    [Test]
    public void A_raw_file_source_reads_the_files_bytes_at_any_offset()
    {
        using var dir = new TempDirectory();
        byte[] bytes = new byte[3 * 4096 + 100];
        new Random(7).NextBytes(bytes);
        string path = dir.Combine("disk.raw");
        File.WriteAllBytes(path, bytes);

        using RawFileBlockSource source = RawFileBlockSource.Open(path);
        byte[] read = new byte[5000];
        source.Read(4000, read);

        Assert.That(source.Length, Is.EqualTo(bytes.Length));
        Assert.That(read, Is.EqualTo(bytes.AsSpan(4000, 5000).ToArray()));
    }

    [Test]
    [Platform("Linux")]
    public async Task A_raw_file_that_shrinks_after_opening_fails_the_sync_and_async_read_where_it_ends()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("disk.raw");
        File.WriteAllBytes(path, new byte[3 * 4096]);
        using RawFileBlockSource source = RawFileBlockSource.Open(path);
        // Another program shrinks it (this process could not open it for writing while the source holds it).
        using (var truncate = System.Diagnostics.Process.Start("truncate", ["-s", "5000", path]))
        {
            await truncate.WaitForExitAsync();
            Assume.That(truncate.ExitCode, Is.Zero);
        }

        var fromSync = Assert.Throws<EndOfStreamException>(() => source.Read(4000, new byte[4000]));
        var fromAsync = await Assert.ThrowsAsync<EndOfStreamException>(async () => await source.ReadAsync(4000, new byte[4000]));
        source.Read(4000, Span<byte>.Empty);
        await source.ReadAsync(4000, Memory<byte>.Empty);

        Assert.That(fromSync!.Message, Does.Contain("ends at byte 5000"));
        Assert.That(fromAsync!.Message, Does.Contain("ends at byte 5000"));
    }

    [Test]
    public void A_raw_file_source_is_one_run_of_its_file_at_the_same_offset()
    {
        using var dir = new TempDirectory();
        byte[] bytes = new byte[3 * 4096];
        new Random(8).NextBytes(bytes);
        string path = dir.Combine("disk.raw");
        File.WriteAllBytes(path, bytes);
        using RawFileBlockSource source = RawFileBlockSource.Open(path);

        BlockFileRun run = source.GetFileRun(4000, 5000);

        Assert.That(run.IsInFile, Is.True);
        Assert.That((run.Length, run.FileOffset), Is.EqualTo((5000L, 4000L)));
        byte[] stored = new byte[run.Length];
        RandomAccess.Read(run.File!, stored, run.FileOffset);
        Assert.That(stored, Is.EqualTo(bytes.AsSpan(4000, 5000).ToArray()), "the run names where the bytes are");
        Assert.Throws<ArgumentOutOfRangeException>(() => source.GetFileRun(4000, 0), "an empty run is refused");
        Assert.Throws<ArgumentOutOfRangeException>(() => source.GetFileRun(3 * 4096 - 1, 2), "a run past the end is refused");
    }

    [Test]
    public async Task Reads_past_the_end_are_refused_with_the_range_named()
    {
        var source = new MemoryBlockSource(new byte[1024], 512);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => source.Read(1000, new byte[100]));
        Assert.That(e!.Message, Does.Contain("[1000, 1000+100)").And.Contain("1024"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await source.ReadAsync(long.MaxValue, new byte[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.GetExtents(-1, 1));
        await source.ReadAsync(1023, new byte[1]);
    }

    [Test]
    public void Coalesce_joins_adjacent_extents_of_one_kind_and_keeps_others_apart()
    {
        BlockExtent[] emitted =
        [
            .. BlockSourceRange.Coalesce(
            [
                new BlockExtent(0, 10, BlockExtentKind.Data), new BlockExtent(10, 5, BlockExtentKind.Data),
                new BlockExtent(15, 5, BlockExtentKind.Hole), new BlockExtent(20, 0, BlockExtentKind.Data),
                new BlockExtent(20, 5, BlockExtentKind.Hole), new BlockExtent(25, 5, BlockExtentKind.Zero),
                new BlockExtent(40, 5, BlockExtentKind.Zero),
            ]),
        ];

        Assert.That(emitted, Is.EqualTo(new[]
        {
            new BlockExtent(0, 15, BlockExtentKind.Data), new BlockExtent(15, 10, BlockExtentKind.Hole), new BlockExtent(25, 5, BlockExtentKind.Zero),
            new BlockExtent(40, 5, BlockExtentKind.Zero),
        }));
    }

    [Test]
    public void A_stream_over_a_source_reads_and_seeks_like_a_read_only_file()
    {
        byte[] bytes = Enumerable.Range(0, 2048).Select(i => (byte)i).ToArray();
        using var stream = new BlockSourceStream(new MemoryBlockSource(bytes, 512));

        stream.Seek(-48, SeekOrigin.End);
        byte[] tail = new byte[100];
        int read = stream.Read(tail, 0, tail.Length);

        Assert.That(read, Is.EqualTo(48));
        Assert.That(tail[..48], Is.EqualTo(bytes[2000..]));
        Assert.That(stream.Read(tail, 0, 1), Is.Zero);
        Assert.That(stream.CanWrite, Is.False);
        Assert.Throws<NotSupportedException>(() => stream.WriteByte(1));
    }

    [Test]
    public void A_raw_files_extents_follow_its_holes()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("holey.raw");
        const int MiB = 1024 * 1024;
        using (FileStream file = File.Create(path))
        {
            file.SetLength(8 * MiB);   // all hole
            file.Position = 2 * MiB;
            file.Write(new byte[MiB].Select((_, i) => (byte)(i | 1)).ToArray());
        }

        using RawFileBlockSource source = RawFileBlockSource.Open(path);
        BlockExtent[] extents = [.. source.GetExtents(0, source.Length)];

        Assert.That(extents, Is.EqualTo(new[]
        {
            new BlockExtent(0, 2 * MiB, BlockExtentKind.Hole), new BlockExtent(2 * MiB, MiB, BlockExtentKind.Data), new BlockExtent(3 * MiB, 5 * MiB, BlockExtentKind.Hole),
        }));
        Assert.That(source.GetExtents(MiB, 2 * MiB), Is.EqualTo(new[] { new BlockExtent(MiB, MiB, BlockExtentKind.Hole), new BlockExtent(2 * MiB, MiB, BlockExtentKind.Data) }));
    }
}
