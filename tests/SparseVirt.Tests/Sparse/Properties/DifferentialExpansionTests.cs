using CsCheck;
using SparseVirt.Sparse;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Sparse.Properties;

/// <summary>
/// Property tests: every random valid image expands to exactly the raw image it was built from, identically through
/// the seekable path, the pipe decoder fed in random segment sizes, and the raw view (block source and raw stream).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class DifferentialExpansionTests
{
    private const int Iterations = 300;

    [Test]
    public void The_seekable_path_expands_random_valid_images_exactly()
    {
        RandomSparseImages.Image.Sample(image =>
        {
            using SparseImage opened = SparseImage.Open(new MemoryStream(image.Bytes));
            var output = new MemoryStream();
            opened.ToRaw(output, SparseExpandOptions.Default.WithVerifyChecksums());
            ByteAssert.Equal(image.Expected, output.ToArray(), "the seekable expansion of " + image);
        }, iter: Iterations);
    }

    [Test]
    public void The_pipe_decoder_fed_random_segment_sizes_expands_random_valid_images_exactly()
    {
        RandomSparseImages.Image.Select(Gen.Int[1, 300].Array[1, 40]).Sample((image, segments) =>
        {
            var output = new MemoryStream();
            var reader = new ChunkedPipeReader(image.Bytes, segments);
            SparsePipeDecoder.ExpandAsync(reader, output, SparseExpandOptions.Default.WithVerifyChecksums()).GetAwaiter().GetResult();
            ByteAssert.Equal(image.Expected, output.ToArray(), $"the pipe expansion in segments [{string.Join(',', segments)}] of {image}");
        }, iter: Iterations);
    }

    [Test]
    public void The_raw_view_reads_random_valid_images_exactly_at_random_offsets()
    {
        RandomSparseImages.Image.Select(Gen.Double.Unit.Array[4]).Sample((image, cuts) =>
        {
            using SparseImage opened = SparseImage.Open(new MemoryStream(image.Bytes));
            using var source = SparseBlockSource.FromImages([opened]);
            Assert.That(source.Length, Is.EqualTo(image.Expected.Length));
            byte[] whole = new byte[source.Length];
            source.Read(0, whole);
            ByteAssert.Equal(image.Expected, whole, "the block source of " + image);

            using Stream raw = opened.OpenRawStream();
            byte[] streamed = new byte[image.Expected.Length];
            raw.ReadExactly(streamed);
            ByteAssert.Equal(image.Expected, streamed, "the raw stream of " + image);

            // Reads that start and end anywhere, not on block boundaries.
            long start = (long)(cuts[0] * image.Expected.Length), end = (long)(cuts[1] * image.Expected.Length);
            (start, end) = (Math.Min(start, end), Math.Max(start, end));
            byte[] part = new byte[end - start];
            source.Read(start, part);
            Assert.That(part, Is.EqualTo(image.Expected[(int)start..(int)end]), $"bytes {start}..{end} of {image}");
        }, iter: Iterations);
    }
}
