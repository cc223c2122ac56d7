using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// Sparse images served straight from their chunk tables: the bytes equal simg2img's expansion (qemu-img compare,
/// nbdcopy), and the map equals the chunk table (nbdinfo --map).
/// </summary>
public class NbdSparseImageTests
{
    private const string SparseTools = "android-sdk-libsparse-utils";

    /// <summary>Serves the pieces as one export and checks bytes and map against simg2img and the chunk tables.</summary>
    private static async Task AssertServedAsSimg2imgExpandsAsync(TempDirectory dir, params string[] pieces)
    {
        string simg2img = ExternalTool.Require("simg2img", SparseTools);
        string reference = dir.Combine("reference.raw");
        ExternalTool.RunChecked(simg2img, [.. pieces, reference]);

        await using SparseBlockSource source = SparseBlockSource.Open(pieces);
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("image", source)]);
        string uri = server.GetUri();

        ToolResult compare = ExternalTool.Run(NbdTools.QemuImg, ["compare", "-f", "raw", "-F", "raw", reference, uri], TimeSpan.FromMinutes(4));
        Assert.That(compare.ExitCode, Is.Zero, "qemu-img compare: " + compare.Output + compare.Error);
        string copied = dir.Combine("nbdcopy.raw");
        ExternalTool.RunChecked(NbdTools.NbdCopy, uri, copied);
        ToolResult same = ExternalTool.Run("/usr/bin/cmp", [reference, copied]);
        Assert.That(same.ExitCode, Is.Zero, "nbdcopy's output equals simg2img's: " + same.Output);

        var map = NbdTools.NbdInfoMap(uri);
        Assert.That(map, Is.EqualTo(ExpectedMapFromChunkTables(pieces)));
        int chunks = source.Pieces.Sum(p => p.Chunks.Count);
        Assert.That(map, Has.Count.LessThanOrEqualTo(chunks), "no more extents than chunks");
    }

    /// <summary>
    /// The map as the chunk tables say, computed independently of the server: RAW and non-zero FILL are data (0),
    /// DONT_CARE, zero FILL and anything no piece defines are hole+zero (3); later pieces win; equal neighbours merge.
    /// </summary>
    private static List<(long Offset, long Length, int Type)> ExpectedMapFromChunkTables(string[] pieces)
    {
        var images = pieces.Select(p => SparseImage.Open(p)).ToList();
        try
        {
            uint blockSize = images[^1].Header.BlockSize;
            long blocks = images[^1].Header.TotalBlocks;
            int[] types = new int[blocks];
            Array.Fill(types, 3);
            foreach (SparseImage image in images)
            {
                foreach (SparseChunk chunk in image.Chunks)
                {
                    bool data = chunk.Type == SparseChunkType.Raw || (chunk.Type == SparseChunkType.Fill && chunk.FillValue != 0);
                    bool defined = chunk.Type is SparseChunkType.Raw or SparseChunkType.Fill;
                    for (long b = chunk.StartBlock; b < chunk.EndBlock && defined; b++)
                    {
                        types[b] = data ? 0 : 3;
                    }
                }
            }
            var map = new List<(long Offset, long Length, int Type)>();
            for (long b = 0; b < blocks; b++)
            {
                if (map.Count > 0 && map[^1].Type == types[b])
                {
                    map[^1] = map[^1] with { Length = map[^1].Length + blockSize };
                }
                else
                {
                    map.Add((b * blockSize, blockSize, types[b]));
                }
            }
            return map;
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }

    [TestCase(1024)]
    [TestCase(4096)]
    [TestCase(65536)]
    public async Task Aosp_img2simg_images_of_several_block_sizes(int blockSize)
    {
        string img2simg = ExternalTool.Require("img2simg", SparseTools);
        using var dir = new TempDirectory();
        string raw = dir.Combine("in.raw"), sparse = dir.Combine("in.simg");
        File.WriteAllBytes(raw, MixedRaw(regions: 20, seed: blockSize));
        ExternalTool.RunChecked(img2simg, raw, sparse, blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await AssertServedAsSimg2imgExpandsAsync(dir, sparse);
    }

    [Test]
    public async Task Simg2simg_pieces_served_as_one_export()
    {
        string img2simg = ExternalTool.Require("img2simg", SparseTools);
        string simg2simg = ExternalTool.Require("simg2simg", SparseTools);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("in.raw"), MixedRaw(regions: 30, seed: 11));
        ExternalTool.RunChecked(img2simg, dir.Combine("in.raw"), dir.Combine("in.simg"));
        ExternalTool.RunChecked(simg2simg, dir.Combine("in.simg"), dir.Combine("piece"), "300000");
        string[] pieces = Directory.GetFiles(dir.FullPath, "piece.*").OrderBy(p => int.Parse(Path.GetExtension(p)[1..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(pieces, Has.Length.GreaterThan(1));

        await AssertServedAsSimg2imgExpandsAsync(dir, pieces);
    }

    [Test]
    public async Task Vendor_headers_crc_chunks_and_fills()
    {
        using var dir = new TempDirectory();
        string sparse = dir.Combine("vendor.simg");
        File.WriteAllBytes(sparse, new SparseImageBuilder(4096, fileHeaderSize: 32, chunkHeaderSize: 16)
            .Raw(3, seed: 1).Crc32().Fill(0xA1B2C3D4, 2).DontCare(40).Fill(0, 3).Raw(1, seed: 2).Crc32().Fill(0x01020304, 1).DontCare(2).Build());

        await AssertServedAsSimg2imgExpandsAsync(dir, sparse);
    }

    [Test]
    public async Task The_sample_image()
    {
        using var dir = new TempDirectory();
        await AssertServedAsSimg2imgExpandsAsync(dir, RepositoryPaths.HelloSample);
    }

    [Test]
    public async Task An_image_over_4_GiB()
    {
        using var dir = new TempDirectory();
        string sparse = dir.Combine("big.simg");
        // 5 GiB: data, a hole past the 4 GiB mark, and data after it, so 64-bit offsets are exercised both ways.
        File.WriteAllBytes(sparse, new SparseImageBuilder().Raw(2, seed: 5).HugeDontCare(5 * 262144 - 4).Fill(0x55AA55AA, 1).Raw(1, seed: 6).Build());

        await AssertServedAsSimg2imgExpandsAsync(dir, sparse);
    }

    /// <summary>A raw image of 64 KiB regions: zeros, random data, a repeated byte, a lone byte.</summary>
    private static byte[] MixedRaw(int regions, int seed)
    {
        const int Region = 65536;
        var random = new Random(seed);
        byte[] raw = new byte[regions * Region];
        for (int r = 0; r < regions; r++)
        {
            Span<byte> region = raw.AsSpan(r * Region, Region);
            switch (r % 4)
            {
                case 1:
                    random.NextBytes(region);
                    break;
                case 2:
                    region.Fill(0xAB);
                    break;
                case 3:
                    region[random.Next(Region)] = 1;
                    break;
            }
        }
        return raw;
    }
}
