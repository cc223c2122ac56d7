using SparseVirt.Sparse;

namespace SparseVirt.Tests.Sparse.Decoding;

public class ExpansionChecksumTests
{
    [Test]
    public void ItIsTheStandardCrc32ThatLibsparseComputes()
    {
        // libsparse's sparse_crc32 is the IEEE 802.3 CRC-32 (table of polynomial 0xEDB88320, ~0 in and out),
        // whose check value over "123456789" is 0xCBF43926.
        var checksum = new ExpansionChecksum();
        checksum.Append("123456789"u8);

        Assert.That(checksum.Current, Is.EqualTo(0xCBF43926u));
    }

    [Test]
    public void ItChainsAcrossChunksLikeSparseCrc32()
    {
        byte[] data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        var whole = new ExpansionChecksum();
        whole.Append(data);
        var pieces = new ExpansionChecksum();
        pieces.Append(data.AsSpan(0, 1234));
        pieces.AppendRepeated(data.AsSpan(1234, 8), 8);
        pieces.Append(data.AsSpan(1242));

        Assert.That(pieces.Current, Is.EqualTo(whole.Current));
    }

    [Test]
    public void AMismatchNamesBothValuesAndTheChunk()
    {
        var checksum = new ExpansionChecksum();
        checksum.Append([1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => checksum.Verify(0xDEADBEEF, 7, 4242));

        Assert.That(error!.Message, Does.Contain("chunk 7").And.Contain("byte offset 4242").And.Contain("0xDEADBEEF").And.Contain($"0x{checksum.Current:X8}"));
    }
    [Test]
    public void VerifyingAHugeDontCareStopsWhenCanceled()
    {
        // 2^58 bytes of DONT_CARE: checksumming them as zeros takes years, so it must notice cancellation.
        byte[] image = new SparseImageBuilder(blockSize: 1 << 30).HugeDontCare(1 << 28).Crc32(0).Build();
        foreach ((string reader, Func<CancellationToken, Task> expand) in new (string, Func<CancellationToken, Task>)[]
        {
            ("chunk-table reader", token => SparseImage.ToRawAsync(new MemoryStream(image), new MemoryStream(), SparseExpandOptions.Default.WithVerifyChecksums(), cancellationToken: token)),
            ("pipeline decoder", token => SparsePipeDecoder.ExpandAsync(new ChunkedPipeReader(image, [4096]), new MemoryStream(), SparseExpandOptions.Default.WithVerifyChecksums(), cancellationToken: token)),
        })
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.That(() => Task.Run(() => expand(cancellation.Token)).GetAwaiter().GetResult(), Throws.InstanceOf<OperationCanceledException>(), reader);
        }
    }
}
