using SparseVirt.Sparse;

namespace SparseVirt.Tests.Sparse.Writing;

public class BlockClassifierTests
{
    [Test]
    public void ABlockOfOneRepeatedWordIsAFill()
    {
        byte[] block = new byte[4096];
        for (int i = 0; i < block.Length; i += 4)
        {
            block[i] = 0x78;
            block[i + 1] = 0x56;
            block[i + 2] = 0x34;
            block[i + 3] = 0x12;
        }

        bool isFill = BlockClassifier.TryGetFillValue(block, out uint value);

        Assert.Multiple(() =>
        {
            Assert.That(isFill, Is.True);
            Assert.That(value, Is.EqualTo(0x12345678u));
        });
    }

    [TestCase(4)]
    [TestCase(1000)]
    [TestCase(4095)]
    public void OneDifferentByteAnywhereMakesItData(int position)
    {
        byte[] block = new byte[4096];
        block[position] = 1;

        Assert.That(BlockClassifier.TryGetFillValue(block, out _), Is.False);
    }

    [Test]
    public void RunsAreCountedUpToTheFirstBlockOfAnotherKind()
    {
        byte[] blocks = new byte[5 * 1024];
        new Random(1).NextBytes(blocks.AsSpan(0, 2 * 1024));
        // Blocks 2..4 are zeros.

        int data = BlockClassifier.CountDataBlocks(blocks, 1024, out bool endsOnFill, out uint fill);
        int zeros = BlockClassifier.CountFilledBlocks(blocks.AsSpan(2 * 1024), 1024, 0);

        Assert.Multiple(() =>
        {
            Assert.That(data, Is.EqualTo(2));
            Assert.That(endsOnFill, Is.True);
            Assert.That(fill, Is.Zero);
            Assert.That(zeros, Is.EqualTo(3));
        });
    }
}
