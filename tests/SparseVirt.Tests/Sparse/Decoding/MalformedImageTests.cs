using System.Buffers.Binary;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>
/// Every malformed case, through both readers: the chunk-table reader (seekable input, <see cref="SparseImage.Open(Stream, bool, Microsoft.Extensions.Logging.ILogger?)"/>)
/// and the pipeline decoder (non-seekable input). Both must throw the same kind of exception naming the problem and where.
/// </summary>
public class MalformedImageTests
{
    private static SparseImageBuilder Valid() => new SparseImageBuilder(blockSize: 4096).Raw(1, seed: 1).Fill(5, 2).DontCare(1);

    private static void ExpandSeekable(byte[] image) => SparseImage.ToRaw(new MemoryStream(image), new MemoryStream());

    private static void ExpandStreamed(byte[] image) =>
        SparsePipeDecoder.ExpandAsync(new ChunkedPipeReader(image, Enumerable.Repeat(5, int.MaxValue / 2)), new MemoryStream()).GetAwaiter().GetResult();

    private static void AssertBothReject<TException>(byte[] image, int? chunkIndex, params string[] messageParts)
        where TException : Exception
    {
        foreach ((string reader, Action<byte[]> expand) in new (string, Action<byte[]>)[] { ("chunk-table reader", ExpandSeekable), ("pipeline decoder", ExpandStreamed) })
        {
            Exception? error = null;
            try
            {
                expand(image);
            }
            catch (Exception e)
            {
                error = e;
            }
            Assert.That(error, Is.InstanceOf<TException>(), $"{reader}: {error}");
            foreach (string part in messageParts)
            {
                Assert.That(error!.Message, Does.Contain(part), reader);
            }
            if (chunkIndex is not null)
            {
                Assert.That(SparseErrorInfo.GetChunkIndex(error!), Is.EqualTo(chunkIndex), reader);
                Assert.That(error!.Message, Does.Contain($"chunk {chunkIndex}"), reader);
            }
        }
    }

    private static byte[] WithHeaderField(byte[] image, int offset, int size, uint value)
    {
        byte[] copy = (byte[])image.Clone();
        if (size == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        }
        return copy;
    }

    [Test]
    public void ARawExt4ImageIsRecognizedAsOne()
    {
        byte[] ext4 = new byte[4096];
        BinaryPrimitives.WriteUInt16LittleEndian(ext4.AsSpan(1080), 0xEF53);
        ext4[0] = 1;

        AssertBothReject<InvalidDataException>(ext4, null, "wrong magic", "raw ext2/3/4 file system image");
    }

    [Test]
    public void AWrongMagicIsNamed() =>
        AssertBothReject<InvalidDataException>(WithHeaderField(Valid().Build(), 0, 4, 0x12345678), null, "wrong magic 0x12345678");

    [Test]
    public void AnotherMajorVersionIsRejected() =>
        AssertBothReject<InvalidDataException>(WithHeaderField(Valid().Build(), 4, 2, 2), null, "major version 2", "byte offset 4");

    [Test]
    public void AnyMinorVersionIsAccepted() =>
        Assert.DoesNotThrow(() => ExpandStreamed(WithHeaderField(Valid().Build(), 6, 2, 7)));

    [Test]
    public void AFileHeaderSizeBelow28IsRejected() =>
        AssertBothReject<InvalidDataException>(WithHeaderField(Valid().Build(), 8, 2, 24), null, "file_hdr_sz 24");

    [Test]
    public void AChunkHeaderSizeBelow12IsRejected() =>
        AssertBothReject<InvalidDataException>(WithHeaderField(Valid().Build(), 10, 2, 8), null, "chunk_hdr_sz 8");

    [TestCase(0u)]
    [TestCase(4094u)]
    public void ABlockSizeThatIsZeroOrNotAMultipleOf4IsRejected(uint blockSize) =>
        AssertBothReject<InvalidDataException>(WithHeaderField(Valid().Build(), 12, 4, blockSize), null, $"blk_sz {blockSize}");

    [Test]
    public void AnUnknownChunkTypeIsNamed() =>
        AssertBothReject<InvalidDataException>(Valid().Custom(0xCAC5, 1, []).Build(), 3, "unknown chunk type 0xCAC5", $"byte offset {28 + 12 + 4096 + 16 + 12}");

    [TestCase((ushort)0xCAC1, 1u, 4096, 12u + 4095, "RAW chunk of 1 blocks needs total_sz 4108")]
    [TestCase((ushort)0xCAC2, 1u, 4, 12u + 8, "FILL chunk must have total_sz 16")]
    [TestCase((ushort)0xCAC3, 1u, 0, 12u + 4, "DONT_CARE chunk must have total_sz 12")]
    [TestCase((ushort)0xCAC4, 0u, 4, 12u, "CRC32 chunk must have total_sz 16")]
    [TestCase((ushort)0xCAC1, 1u, 0, 4u, "total_sz 4 is smaller than the 12-byte chunk header")]
    public void ATotalSizeThatDoesNotMatchTheTypeIsRejected(ushort type, uint blocks, int payload, uint totalSize, string message) =>
        AssertBothReject<InvalidDataException>(Valid().Custom(type, blocks, new byte[payload], totalSize).Build(), 3, message);

    [Test]
    public void ChunksOverrunningTotalBlocksAreRejected()
    {
        SparseImageBuilder builder = Valid();
        builder.TotalBlocksOverride = 3;
        AssertBothReject<InvalidDataException>(builder.Build(), 2, "past the image's total_blks of 3");
    }

    [Test]
    public void ChunksUnderrunningTotalBlocksAreRejected()
    {
        SparseImageBuilder builder = Valid();
        builder.TotalBlocksOverride = 10;
        AssertBothReject<InvalidDataException>(builder.Build(), null, "the chunks cover 4 blocks but the file header's total_blks is 10");
    }

    [Test]
    public void AnImageWithoutChunksMustDeclareNoBlocks()
    {
        var builder = new SparseImageBuilder();
        builder.TotalBlocksOverride = 5;
        AssertBothReject<InvalidDataException>(builder.Build(), null, "the chunks cover 0 blocks but the file header's total_blks is 5");
        Assert.That(() => ExpandSeekable(builder.Build()), Throws.InstanceOf<InvalidDataException>().With.Message.Not.Contain("chunk -1"));
    }

    [Test]
    public void SizesThatWouldOverflow32BitsAreComputedIn64()
    {
        // chunk_sz 0xFFFFFFFF x 65536 overflows 32 and would wrap to a small payload in 32-bit arithmetic.
        var builder = new SparseImageBuilder(blockSize: 65536).Custom(0xCAC1, 0xFFFFFFFF, new byte[4], 12u + 4);
        AssertBothReject<InvalidDataException>(builder.Build(), 0, "needs total_sz 281474976645132");
    }

    [Test]
    public void AnExpandedLengthBeyondTheLargestFileIsRejected()
    {
        // 0xFFFFFFFF blocks x 0xFFFFFFFC bytes does not fit in a signed 64-bit length: it must not wrap to a negative one.
        var builder = new SparseImageBuilder(blockSize: 0xFFFFFFFC).HugeDontCare(0xFFFFFFFF);
        AssertBothReject<InvalidDataException>(builder.Build(), null, "total_blks 4294967295", "blk_sz 4294967292");
    }

    [Test]
    public void AHugeDeclaredChunkCountAllocatesNothingAndReadsAsTruncation()
    {
        SparseImageBuilder builder = Valid();
        builder.TotalChunksOverride = uint.MaxValue;
        AssertBothReject<SparseTruncatedException>(builder.Build(), null, "4294967295");
    }

    [Test]
    public void ADeclaredChunkCountThatALargeInputCouldHoldIsNotAllocatedUpFront()
    {
        // One RAW chunk whose payload is a 240 MB hole, declaring 20 million chunks (as many as 240 MB could hold):
        // the chunk table must grow with the chunks actually read, not be sized by the untrusted count.
        const uint blocks = 60_000;
        const uint declaredChunks = 20_000_000;
        using var folder = new TempDirectory();
        string path = folder.Combine("huge-count.simg");
        byte[] front = new SparseImageBuilder().Custom(0xCAC1, blocks, [], 12u + blocks * 4096).Build();
        BinaryPrimitives.WriteUInt32LittleEndian(front.AsSpan(20), declaredChunks);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(front);
            file.SetLength(28L + 12 + (long)blocks * 4096);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => SparseImage.Open(path).Dispose(), Throws.InstanceOf<SparseTruncatedException>().With.Message.Contain("chunk 1 "));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(16L * 1024 * 1024), "bytes allocated to open the image");
    }

    [Test]
    public void TruncationAnywhereIsReportedAsTruncation()
    {
        byte[] image = new SparseImageBuilder(blockSize: 16, fileHeaderSize: 32, chunkHeaderSize: 16)
            .Raw(2, seed: 2).Fill(9, 1).DontCare(1).Crc32().Build();
        for (int length = 0; length < image.Length; length++)
        {
            byte[] cut = image[..length];
            Assert.That(() => ExpandSeekable(cut), Throws.InstanceOf<SparseTruncatedException>(), $"chunk-table reader, cut at {length}");
            Assert.That(() => ExpandStreamed(cut), Throws.InstanceOf<SparseTruncatedException>(), $"pipeline decoder, cut at {length}");
        }
    }

    [Test]
    public void TruncationInsideARawPayloadSaysHowMuchIsThere()
    {
        byte[] image = Valid().Build()[..(28 + 12 + 1000)];
        AssertBothReject<SparseTruncatedException>(image, null, "byte");
        Assert.That(() => ExpandStreamed(image), Throws.InstanceOf<SparseTruncatedException>().With.Message.Contains("1000 of 4096 bytes"));
    }
}
