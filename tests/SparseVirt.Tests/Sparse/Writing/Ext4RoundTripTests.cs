using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Writing;

/// <summary>Real file systems: ext4 images made by mkfs.ext4 -d in sparse files, sparsed and expanded back by AOSP.</summary>
public class Ext4RoundTripTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void AnExt4ImageRoundTripsAndIsNoLargerThanImg2SimgsImage(bool zeroFill)
    {
        string mkfs = ExternalTool.Require("mkfs.ext4", "e2fsprogs");
        using var folder = new TempDirectory();
        string content = Directory.CreateDirectory(folder.Combine("content")).FullName;
        var random = new Random(zeroFill ? 41 : 42);
        for (int i = 0; i < 40; i++)
        {
            byte[] file = new byte[random.Next(1, 300_000)];
            random.NextBytes(file);
            File.WriteAllBytes(Path.Combine(content, $"file{i}.bin"), file);
        }
        File.WriteAllBytes(Path.Combine(content, "zeros.bin"), new byte[1 << 20]);
        string raw = folder.Combine("fs.raw");
        using (var file = new FileStream(raw, FileMode.CreateNew))
        {
            file.SetLength(48L << 20);
        }
        ExternalTool.RunChecked(mkfs, "-q", "-F", "-d", content, raw);

        string ours = folder.Combine("ours.simg");
        SparseConverter.Convert(raw, ours, SparseWriterOptions.Default.WithZeroFill(zeroFill));
        string aosp = folder.Combine("aosp.simg");
        AospSparseTools.Run("img2simg", raw, aosp);

        AospSparseTools.AssertDumpAccepts(ours);
        AospSparseTools.Expand(folder.Combine("expanded.raw"), ours);
        AospSparseTools.AssertSameBytes(raw, folder.Combine("expanded.raw"));
        Assert.That(new FileInfo(ours).Length, Is.LessThanOrEqualTo(new FileInfo(aosp).Length));
        using SparseImage image = SparseImage.Open(ours);
        Assert.That(image.Chunks.Any(c => c.Type == SparseChunkType.DontCare), Is.EqualTo(!zeroFill));
    }
}
