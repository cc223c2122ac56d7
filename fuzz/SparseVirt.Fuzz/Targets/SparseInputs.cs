using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Fuzz.Targets;

/// <summary>What the sparse targets share: the documented rejections, the generated seed images, and expansion into a sink.</summary>
internal static class SparseInputs
{
    /// <summary>The library's documented rejections of a bad image, and the sink's stop for a legitimately huge one.</summary>
    public static bool IsExpected(Exception exception) =>
        exception is InvalidDataException or SparseTruncatedException or OutputLimitReachedException;

    /// <summary>Opens <paramref name="input"/> as an image (the seekable path: chunk table first).</summary>
    public static SparseImage Open(byte[] input) => SparseImage.Open(new MemoryStream(input, writable: false));

    /// <summary>Expands through the seekable path into a new seekable sink; null when the image is rejected.</summary>
    public static BoundedSink? TryExpandSeekable(byte[] input)
    {
        var sink = new BoundedSink(seekable: true);
        try
        {
            using SparseImage image = Open(input);
            image.ToRaw(sink);
            return sink;
        }
        catch (Exception e) when (IsExpected(e))
        {
            return null;
        }
    }

    /// <summary>Fails when two expansions of the same bytes that both succeeded differ.</summary>
    public static void AssertSameOutput(BoundedSink expected, BoundedSink actual, string actualPath)
    {
        if (expected.OutputLength != actual.OutputLength)
        {
            throw new FuzzFindingException($"The seekable expansion is {expected.OutputLength} bytes long but {actualPath} gave {actual.OutputLength}.");
        }
        // A sink keeps only what was written: past its kept bytes, the output is zeros (a skipped DONT_CARE).
        ReadOnlySpan<byte> left = expected.KeptPrefix, right = actual.KeptPrefix;
        int at = left.CommonPrefixLength(right);
        if (at < Math.Min(left.Length, right.Length))
        {
            throw new FuzzFindingException($"The seekable expansion and {actualPath} differ at byte {at}.");
        }
        ReadOnlySpan<byte> rest = left.Length > right.Length ? left[at..] : right[at..];
        if (rest.IndexOfAnyExcept((byte)0) is int nonZero and >= 0)
        {
            throw new FuzzFindingException($"The seekable expansion and {actualPath} differ at byte {at + nonZero}.");
        }
    }

    /// <summary>Small valid images covering every chunk type, several block sizes and vendor-extended header sizes.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var mixed = new SparseImageBuilder(blockSize: 16).Raw(2, seed: 1).Fill(0xDEADBEEF, 3).DontCare(2).Crc32().Raw(1, seed: 2);
        yield return ("mixed-16", mixed.Build());

        var vendor = new SparseImageBuilder(blockSize: 64, fileHeaderSize: 32, chunkHeaderSize: 16).Raw(1, seed: 3).DontCare(5).Fill(0, 2).Fill(0x01020304, 1);
        yield return ("vendor-headers-64", vendor.Build());

        var checksummed = new SparseImageBuilder(blockSize: 4).Raw(3, seed: 4).Fill(0xFFFFFFFF, 2).Crc32().DontCare(1);
        checksummed.ImageChecksum = checksummed.RunningCrc;
        yield return ("image-checksum-4", checksummed.Build());

        yield return ("large-holes-4096", new SparseImageBuilder().DontCare(1000).Fill(0x55AA55AA, 2).DontCare(3).Build());

        var many = new SparseImageBuilder(blockSize: 8);
        for (int i = 0; i < 12; i++)
        {
            _ = (i % 3) switch { 0 => many.Raw(1, seed: i), 1 => many.Fill((uint)i * 0x01010101, 1), _ => many.DontCare(1) };
        }
        yield return ("many-chunks-8", many.Build());
        yield return ("empty-4096", new SparseImageBuilder().Build());
    }
}
