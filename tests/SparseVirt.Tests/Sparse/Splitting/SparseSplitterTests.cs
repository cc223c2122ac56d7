using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Writing;

namespace SparseVirt.Tests.Sparse.Splitting;

public class SparseSplitterTests
{
    [TestCase(200 * 1024)]
    [TestCase(1024 * 1024)]
    public void PiecesFitTheLimitAndReassembleToTheImage(int maxBytes)
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed((2 << 20) + (256 << 10), seed: maxBytes);
        string image = folder.Combine("in.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), source), image, SparseWriterOptions.Default.WithZeroFill());

        IReadOnlyList<string> pieces = SparseSplitter.Split(image, folder.Combine("out"), maxBytes);

        Assert.That(pieces, Has.Count.GreaterThan(1));
        using SparseImage original = SparseImage.Open(image);
        for (int i = 0; i < pieces.Count; i++)
        {
            Assert.That(pieces[i], Is.EqualTo(folder.Combine($"out.{i}")));
            Assert.That(new FileInfo(pieces[i]).Length, Is.LessThanOrEqualTo(maxBytes), $"{pieces[i]} is over the limit");
            if (i == 0 || i == pieces.Count - 1)
            {
                // simg_dump is a Python script: judging the first and last pieces keeps the test fast.
                AospSparseTools.AssertDumpAccepts(pieces[i]);
            }
            using SparseImage piece = SparseImage.Open(pieces[i]);
            Assert.That(piece.Header.TotalBlocks, Is.EqualTo(original.Header.TotalBlocks), "every piece covers the whole image");
        }
        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), [.. pieces]);
        Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
    }

    [Test]
    public async Task APieceHoldsAFileDescriptorOnlyWhileItIsWritten()
    {
        // A small limit can mean more pieces than a process may have files open (simg2simg copes): pieces must not
        // all be open at once.
        using var folder = new TempDirectory();
        byte[] source = new byte[2 << 20];
        new Random(21).NextBytes(source);
        string image = folder.Combine("in.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), source), image);
        var openPieceFiles = new OpenFileSampler(folder.FullPath);

        IReadOnlyList<string> pieces = await SparseSplitter.SplitAsync(image, folder.Combine("out"), 4200, progress: openPieceFiles);

        Assert.That(pieces, Has.Count.EqualTo(512));
        Assert.That(openPieceFiles.Samples, Is.GreaterThan(0));
        Assert.That(openPieceFiles.MostOpen, Is.LessThanOrEqualTo(Environment.ProcessorCount + 1), "open files in the output folder while pieces were written");
        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), [.. pieces]);
        Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
    }

    /// <summary>Counts, at each progress report, this process's open files (other than the input) in a folder.</summary>
    private sealed class OpenFileSampler(string folder) : IProgress<long>
    {
        private readonly Lock _gate = new();

        public int MostOpen { get; private set; }

        public int Samples { get; private set; }

        public void Report(long value)
        {
            int open = 0;
            foreach (string fd in Directory.GetFiles("/proc/self/fd"))
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(folder + "/", StringComparison.Ordinal) && !target.EndsWith("in.simg", StringComparison.Ordinal))
                {
                    open++;
                }
            }
            lock (_gate)
            {
                MostOpen = Math.Max(MostOpen, open);
                Samples++;
            }
        }
    }

    [Test]
    public void AChunkLargerThanTheLimitIsCutAcrossPieces()
    {
        using var folder = new TempDirectory();
        byte[] source = new byte[1 << 20];
        new Random(9).NextBytes(source);
        string image = folder.Combine("in.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), source), image);
        using (SparseImage one = SparseImage.Open(image))
        {
            Assert.That(one.Chunks, Has.Count.EqualTo(1), "the source is one RAW chunk of 1 MiB");
        }

        IReadOnlyList<string> pieces = SparseSplitter.Split(image, folder.Combine("out"), 300 * 1024);

        Assert.That(pieces, Has.Count.EqualTo(4));
        Assert.That(pieces.Select(p => new FileInfo(p).Length), Has.All.LessThanOrEqualTo(300 * 1024));
        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), [.. pieces]);
        Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
    }

    [Test]
    public void ARawInputIsSparsedOnTheWay()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed(2 << 20, seed: 4);

        IReadOnlyList<string> pieces = SparseSplitter.Split(RawImages.Write(folder.Combine("in.raw"), source), folder.Combine("out"), 256 * 1024);

        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), [.. pieces]);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
            Assert.That(Directory.GetFiles(folder.FullPath, ".*"), Is.Empty, "the temporary sparse image is removed");
        });
    }

    [Test]
    public void AnAospImageSplitsLikeSimg2SimgWouldAllowAndReassembles()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed((2 << 20) + 4096, seed: 8);
        string raw = RawImages.Write(folder.Combine("in.raw"), source);
        string image = folder.Combine("aosp.simg");
        AospSparseTools.Run("img2simg", raw, image);

        IReadOnlyList<string> pieces = SparseSplitter.Split(image, folder.Combine("out"), 200 * 1024);

        AospSparseTools.Expand(folder.Combine("rebuilt.raw"), [.. pieces]);
        Assert.That(File.ReadAllBytes(folder.Combine("rebuilt.raw")), Is.EqualTo(source));
    }

    [Test]
    public void ALimitTooSmallForOneChunkFailsClearlyAndWritesNothing()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("in.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(64 * 1024)), image);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SparseSplitter.Split(image, folder.Combine("out"), 4000));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("maxBytes"));
            Assert.That(error.Message, Does.Contain("4000").And.Contain("at least 4160"));
            Assert.That(Directory.GetFiles(folder.FullPath, "out*"), Is.Empty);
        });
    }

    [Test]
    public void AnImageWithoutDataIsOnePieceOfDontCare()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("in.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), new byte[1 << 20]), image);

        IReadOnlyList<string> pieces = SparseSplitter.Split(image, folder.Combine("out"), 1024 * 1024);

        using SparseImage piece = SparseImage.Open(pieces.Single());
        Assert.That(piece.Chunks.Select(c => (c.Type, c.BlockCount)), Is.EqualTo(new[] { (SparseChunkType.DontCare, 256u) }));
    }
}
