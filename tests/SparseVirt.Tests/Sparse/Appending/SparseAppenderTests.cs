using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Writing;

namespace SparseVirt.Tests.Sparse.Appending;

public class SparseAppenderTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void AppendingToASparseImageExpandsLikeAppend2Simg(bool crc)
    {
        using var folder = new TempDirectory();
        byte[] first = RawImages.Mixed(1 << 20, seed: 1);
        byte[] more = RawImages.Mixed(256 * 1024, seed: 2);
        string image = folder.Combine("ours.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("first.raw"), first), image, SparseWriterOptions.Default.WithZeroFill());
        File.Copy(image, folder.Combine("aosp.simg"));
        string data = RawImages.Write(folder.Combine("more.raw"), more);

        SparseHeader header = SparseAppender.Append(image, data, SparseWriterOptions.Default.WithCrc(crc));
        AospSparseTools.Run("append2simg", folder.Combine("aosp.simg"), data);

        AospSparseTools.AssertDumpAccepts(image);
        AospSparseTools.Expand(folder.Combine("ours.raw"), image);
        AospSparseTools.Expand(folder.Combine("aosp.raw"), folder.Combine("aosp.simg"));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(folder.Combine("ours.raw")), Is.EqualTo(first.Concat(more).ToArray()));
            Assert.That(File.ReadAllBytes(folder.Combine("ours.raw")), Is.EqualTo(File.ReadAllBytes(folder.Combine("aosp.raw"))));
            Assert.That(header.TotalBlocks, Is.EqualTo((uint)((first.Length + more.Length) / 4096)));
            Assert.That(Directory.GetFiles(folder.FullPath, ".*"), Is.Empty, "no temporary file is left");
            Assert.That(SparseVerifier.Verify(image).IsValid, Is.True);
        });
    }

    [Test]
    public void AppendingToARawImageMakesItSparse()
    {
        using var folder = new TempDirectory();
        byte[] first = RawImages.Mixed(512 * 1024, seed: 3);
        byte[] more = RawImages.Mixed(64 * 1024, seed: 4);
        string image = RawImages.Write(folder.Combine("image.img"), first);

        SparseAppender.Append(image, RawImages.Write(folder.Combine("more.raw"), more));

        Assert.That(SparseImage.IsSparseImage(image), Is.True);
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(first.Concat(more).ToArray()));
    }

    [Test]
    public void DataThatIsNotAWholeNumberOfBlocksIsRefusedAndTheImageIsUntouched()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("image.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("first.raw"), RawImages.Mixed(64 * 1024)), image);
        byte[] before = File.ReadAllBytes(image);

        var error = Assert.Throws<ArgumentException>(() => SparseAppender.Append(image, RawImages.Write(folder.Combine("odd.raw"), new byte[5000])));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("5000 bytes").And.Contain("not a multiple").And.Contain("4096-byte"));
            Assert.That(File.ReadAllBytes(image), Is.EqualTo(before));
            Assert.That(Directory.GetFiles(folder.FullPath, ".*"), Is.Empty);
        });
    }
}
