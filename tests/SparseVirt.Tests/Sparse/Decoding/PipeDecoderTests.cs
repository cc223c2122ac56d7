using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Decoding;

public class PipeDecoderTests
{
    private static SparseImageBuilder SmallImage() =>
        new SparseImageBuilder(blockSize: 64, fileHeaderSize: 32, chunkHeaderSize: 16)
            .Raw(3, seed: 1).Fill(0xA1B2C3D4, 2).DontCare(2).Crc32().Fill(0, 1).Raw(1, seed: 2).Crc32();

    // RAW chunks larger than the decoder's write batch, so payloads are written in several batches.
    private static SparseImageBuilder LargeImage() =>
        new SparseImageBuilder().Raw(300, seed: 3).Fill(0x01010101, 40).DontCare(100).Raw(5, seed: 4).Crc32().Raw(600, seed: 5).Crc32();

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(13)]
    [TestCase(29)]
    public async Task SegmentsOfAnyFixedSizeGiveTheSameBytes(int pieceSize)
    {
        SparseImageBuilder builder = SmallImage();
        var reader = new ChunkedPipeReader(builder.Build(), Enumerable.Repeat(pieceSize, int.MaxValue / 2));
        using var output = new MemoryStream();

        SparseHeader header = await SparsePipeDecoder.ExpandAsync(reader, output, SparseExpandOptions.Default.WithVerifyChecksums());

        Assert.Multiple(() =>
        {
            ByteAssert.Equal(builder.Expected, output.ToArray());
            Assert.That(header.ChunkHeaderSize, Is.EqualTo(16));
            Assert.That(reader.Completed, Is.False, "the decoder does not complete a caller's reader");
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task RandomSizedSegmentsGiveTheSameBytesInAFile(int seed)
    {
        SparseImageBuilder builder = LargeImage();
        var random = new Random(seed);
        var reader = new ChunkedPipeReader(builder.Build(), Enumerable.Range(0, int.MaxValue).Select(_ => random.Next(1, 200_000)));
        using var folder = new TempDirectory();
        string raw = folder.Combine("out.raw");

        await SparsePipeDecoder.ExpandAsync(reader, raw, SparseExpandOptions.Default.WithVerifyChecksums());

        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(raw));
    }

    [Test]
    public async Task ANonSeekableStreamTricklingOddSizedReadsExpandsThroughThePipeline()
    {
        SparseImageBuilder builder = LargeImage();
        var random = new Random(4);
        var source = new TrickleStream(builder.Build(), () => random.Next(1, 70_000));
        using var folder = new TempDirectory();
        string raw = folder.Combine("out.raw");

        await SparseImage.ToRawAsync(source, raw);

        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(raw));
    }

    [Test]
    public void TheSynchronousFormReadsANonSeekableStreamOneByteAtATime()
    {
        SparseImageBuilder builder = SmallImage();
        var source = new TrickleStream(builder.Build(), () => 1);
        using var output = new MemoryStream();

        SparseImage.ToRaw(source, output);

        ByteAssert.Equal(builder.Expected, output.ToArray());
    }

    [Test]
    public async Task BytesAfterTheLastChunkAreIgnored()
    {
        SparseImageBuilder builder = SmallImage();
        byte[] image = [.. builder.Build(), .. new byte[100]];
        using var output = new MemoryStream();

        await SparsePipeDecoder.ExpandAsync(new ChunkedPipeReader(image, [50, 50]), output);

        ByteAssert.Equal(builder.Expected, output.ToArray());
    }

    [Test]
    public void CancellationStopsThePipelineAndLeavesNoTemporaryFile()
    {
        SparseImageBuilder builder = LargeImage();
        using var folder = new TempDirectory();
        string raw = folder.Combine("out.raw");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(
            () => SparsePipeDecoder.ExpandAsync(new ChunkedPipeReader(builder.Build(), [4096]), raw, cancellationToken: cancellation.Token).GetAwaiter().GetResult(),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(Directory.GetFiles(folder.FullPath), Is.Empty);
    }
}
