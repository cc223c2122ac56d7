using System.Text.Json;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Writing;

namespace SparseVirt.Tests.Sparse.Inspection;

public class SparseInspectionTests
{
    [Test]
    public void InfoListsTheSampleImagesChunksAndTotals()
    {
        using SparseImage image = SparseImage.Open(RepositoryPaths.HelloSample);

        SparseImageInfo info = SparseImageInfo.FromImage(image);

        Assert.Multiple(() =>
        {
            Assert.That(info.SchemaVersion, Is.EqualTo(1));
            Assert.That(info.Chunks, Has.Count.EqualTo(image.Chunks.Count));
            Assert.That(info.Totals.Raw.Blocks + info.Totals.Fill.Blocks + info.Totals.DontCare.Blocks, Is.EqualTo((long)image.Header.TotalBlocks));
            Assert.That(info.Chunks.Sum(c => c.Size) + SparseFormat.FileHeaderSize, Is.EqualTo(image.SparseLength));
            Assert.That(info.Chunks.Single(c => c.FillValue == 0xDEADBEEF).Type, Is.EqualTo("FILL"));
            Assert.That(info.Chunks.Where(c => c.Type == "RAW").All(c => c.FillValue is null), Is.True);
            Assert.That(info.DataRatio, Is.EqualTo((double)info.DataBlocks / image.Header.TotalBlocks).Within(1e-6));
            Assert.That(info.SpaceRatio, Is.EqualTo((double)image.SparseLength / image.RawLength).Within(1e-6));
        });
    }

    [Test]
    public void TheJsonFormFollowsTheDocumentedSchema()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("crc.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(1 << 20)), path, SparseWriterOptions.Default.WithCrc());
        using SparseImage image = SparseImage.Open(path);

        using JsonDocument json = JsonDocument.Parse(SparseImageInfo.FromImage(image).ToJson());

        JsonElement root = json.RootElement;
        JsonElement chunks = root.GetProperty("chunks");
        JsonElement last = chunks[chunks.GetArrayLength() - 1];
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("header").GetProperty("blockSize").GetUInt32(), Is.EqualTo(4096u));
            Assert.That(root.GetProperty("header").GetProperty("imageChecksum").GetUInt32(), Is.EqualTo(image.Header.ImageChecksum));
            Assert.That(root.GetProperty("rawLength").GetInt64(), Is.EqualTo(1L << 20));
            Assert.That(chunks.GetArrayLength(), Is.EqualTo(image.Chunks.Count));
            Assert.That(last.GetProperty("type").GetString(), Is.EqualTo("CRC32"));
            Assert.That(last.GetProperty("crc32").GetUInt32(), Is.EqualTo(image.Header.ImageChecksum));
            Assert.That(last.TryGetProperty("fillValue", out _), Is.False, "absent values are omitted");
            Assert.That(root.GetProperty("totals").GetProperty("dontCare").GetProperty("chunks").GetInt32(),
                Is.EqualTo(image.Chunks.Count(c => c.Type == SparseChunkType.DontCare)));
            foreach (string name in new[] { "index", "type", "startBlock", "blockCount", "outputOffset", "inputOffset", "size" })
            {
                Assert.That(chunks[0].TryGetProperty(name, out _), Is.True, $"chunks[].{name}");
            }
        });
    }

    [Test]
    public void VerifyAcceptsAnImageWithMatchingChecksums()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("crc.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(1 << 20)), path, SparseWriterOptions.Default.WithCrc());

        SparseVerificationResult result = SparseVerifier.Verify(path);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsValid, Is.True, result.Problem);
            Assert.That(result.CrcChunksChecked, Is.EqualTo(1));
            Assert.That(result.ImageChecksumChecked, Is.True);
        });
    }

    [Test]
    public void VerifyNamesTheCrcChunkWhoseChecksumDoesNotMatch()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("crc.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(1 << 20)), path, SparseWriterOptions.Default.WithCrc());
        SparseChunk raw;
        int crcIndex;
        using (SparseImage image = SparseImage.Open(path))
        {
            raw = image.Chunks.First(c => c.Type == SparseChunkType.Raw);
            crcIndex = image.Chunks.Count - 1;
        }
        byte[] bytes = File.ReadAllBytes(path);
        bytes[raw.PayloadOffset + 100] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        SparseVerificationResult result = SparseVerifier.Verify(path);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsValid, Is.False);
            Assert.That(result.ChunkIndex, Is.EqualTo(crcIndex));
            Assert.That(result.Problem, Does.Contain("CRC32 mismatch").And.Contain($"chunk {crcIndex}"));
        });
    }

    [Test]
    public void VerifyReportsAWrongImageChecksum()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("sum.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(256 * 1024)), path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[24] = 0x01; // image_checksum, which the writer left at 0 (none)
        File.WriteAllBytes(path, bytes);

        SparseVerificationResult result = SparseVerifier.Verify(path);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsValid, Is.False);
            Assert.That(result.ChunkIndex, Is.Null);
            Assert.That(result.Problem, Does.Contain("image checksum mismatch").And.Contain("0x00000001"));
        });
    }

    [Test]
    public void VerifyReportsATruncatedImage()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("cut.simg");
        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), RawImages.Mixed(256 * 1024)), path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 10).ToArray());

        SparseVerificationResult result = SparseVerifier.Verify(path);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsValid, Is.False);
            Assert.That(result.Problem, Does.Contain("Invalid sparse image"));
            Assert.That(result.ByteOffset, Is.Not.Null);
        });
    }
}
