using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>Images made by AOSP's tools, expanded by us and by <c>simg2img</c>: the outputs must be byte-identical.</summary>
public class AospInteropTests
{
    private const string Package = "android-sdk-libsparse-utils";

    /// <summary>A raw image mixing 64 KiB regions of zeros, data, a repeated pattern and near-empty blocks, ending mid-block.</summary>
    private static byte[] MixedRawImage(int regions, int tail, int seed)
    {
        const int Region = 65536;
        var random = new Random(seed);
        byte[] raw = new byte[(regions * Region) + tail];
        for (int r = 0; r < regions; r++)
        {
            Span<byte> region = raw.AsSpan(r * Region, Region);
            switch (r % 5)
            {
                case 1:
                case 3:
                    random.NextBytes(region);
                    break;
                case 2:
                    region.Fill(0xAB);
                    break;
                case 4:
                    region[random.Next(Region)] = 1; // one byte of data in a sea of zeros
                    break;
            }
        }
        random.NextBytes(raw.AsSpan(regions * Region));
        return raw;
    }

    private static byte[] Simg2img(string tool, TempDirectory folder, params string[] inputs)
    {
        string reference = folder.Combine("reference.raw");
        ExternalTool.RunChecked(tool, [.. inputs, reference]);
        return File.ReadAllBytes(reference);
    }

    [TestCase(1024)]
    [TestCase(4096)]
    [TestCase(65536)]
    public async Task Img2simgImagesExpandExactlyAsSimg2imgDoes(int blockSize)
    {
        string img2simg = ExternalTool.Require("img2simg", Package);
        string simg2img = ExternalTool.Require("simg2img", Package);
        using var folder = new TempDirectory();
        string raw = folder.Combine("in.raw");
        string sparse = folder.Combine("in.simg");
        File.WriteAllBytes(raw, MixedRawImage(regions: 24, tail: 1000, seed: blockSize));
        ExternalTool.RunChecked(img2simg, raw, sparse, blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        byte[] reference = Simg2img(simg2img, folder, sparse);

        string ours = folder.Combine("ours.raw");
        SparseImage.ToRaw(sparse, ours, SparseExpandOptions.Default.WithVerifyChecksums());
        string piped = folder.Combine("piped.raw");
        await SparseImage.ToRawAsync(new TrickleStream(File.ReadAllBytes(sparse), () => 40_000), piped);

        ByteAssert.Equal(reference, File.ReadAllBytes(ours), "the file-source expansion");
        ByteAssert.Equal(reference, File.ReadAllBytes(piped), "the pipeline expansion");
        using SparseImage image = SparseImage.Open(sparse);
        Assert.That(image.RawLength, Is.EqualTo(reference.Length), "total_blks rounds the raw length up to whole blocks");
    }

    [Test]
    public void Simg2simgPiecesReassembleExactlyAsSimg2imgDoes()
    {
        string img2simg = ExternalTool.Require("img2simg", Package);
        string simg2simg = ExternalTool.Require("simg2simg", Package);
        string simg2img = ExternalTool.Require("simg2img", Package);
        using var folder = new TempDirectory();
        string raw = folder.Combine("in.raw");
        string sparse = folder.Combine("in.simg");
        File.WriteAllBytes(raw, MixedRawImage(regions: 30, tail: 0, seed: 7));
        ExternalTool.RunChecked(img2simg, raw, sparse);
        ExternalTool.RunChecked(simg2simg, sparse, folder.Combine("piece"), "300000");
        string[] pieces = Directory.GetFiles(folder.FullPath, "piece.*").OrderBy(p => int.Parse(Path.GetExtension(p)[1..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        byte[] reference = Simg2img(simg2img, folder, pieces);

        string ours = folder.Combine("ours.raw");
        SparseImage.ToRaw(pieces, ours);

        Assert.That(pieces, Has.Length.GreaterThan(1), "the image must really be split");
        ByteAssert.Equal(reference, File.ReadAllBytes(ours));
        ByteAssert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(ours), "the pieces reassemble the original");
    }

    [Test]
    public void Append2simgOutputsExpandExactlyAsSimg2imgDoes()
    {
        string img2simg = ExternalTool.Require("img2simg", Package);
        string append2simg = ExternalTool.Require("append2simg", Package);
        string simg2img = ExternalTool.Require("simg2img", Package);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("in.simg");
        File.WriteAllBytes(folder.Combine("first.raw"), MixedRawImage(regions: 6, tail: 0, seed: 8));
        File.WriteAllBytes(folder.Combine("second.raw"), MixedRawImage(regions: 4, tail: 0, seed: 9));
        ExternalTool.RunChecked(img2simg, folder.Combine("first.raw"), sparse);
        ExternalTool.RunChecked(append2simg, sparse, folder.Combine("second.raw"));
        byte[] reference = Simg2img(simg2img, folder, sparse);

        string ours = folder.Combine("ours.raw");
        SparseImage.ToRaw(sparse, ours);

        ByteAssert.Equal(reference, File.ReadAllBytes(ours));
    }

    [Test]
    public void TheSampleImageExpandsExactlyAsSimg2imgDoes()
    {
        string simg2img = ExternalTool.Require("simg2img", Package);
        using var folder = new TempDirectory();
        byte[] reference = Simg2img(simg2img, folder, RepositoryPaths.HelloSample);

        using SparseImage image = SparseImage.Open(RepositoryPaths.HelloSample);
        using var raw = new MemoryStream();
        image.OpenRawStream().CopyTo(raw);
        string ours = folder.Combine("ours.raw");
        image.ToRaw(ours);

        ByteAssert.Equal(reference, File.ReadAllBytes(ours));
        ByteAssert.Equal(reference, raw.ToArray(), "the raw stream");
    }
}
