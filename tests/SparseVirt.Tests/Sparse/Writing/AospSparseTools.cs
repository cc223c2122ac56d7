using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Writing;

/// <summary>AOSP's sparse tools as the judges of what SparseVirt writes: simg2img expands, simg_dump checks structure.</summary>
internal static class AospSparseTools
{
    private const string Package = "android-sdk-libsparse-utils";

    /// <summary>Expands <paramref name="pieces"/> (one image, or split pieces in order) with simg2img into <paramref name="rawPath"/>.</summary>
    public static void Expand(string rawPath, params string[] pieces)
    {
        string simg2img = ExternalTool.Require("simg2img", Package);
        File.Delete(rawPath);
        ExternalTool.RunChecked(simg2img, [.. pieces, rawPath]);
    }

    /// <summary>Fails unless simg_dump reads the whole image without complaint; returns its verbose chunk listing.</summary>
    public static string AssertDumpAccepts(string imagePath)
    {
        string simgDump = ExternalTool.Require("simg_dump", Package);
        ToolResult result = ExternalTool.RunChecked(simgDump, "-v", imagePath);
        string output = result.Output + result.Error;
        Assert.That(output, Does.Contain("Total of").And.Contain("End"), $"simg_dump did not list the whole image:\n{output}");
        Assert.That(output, Does.Not.Contain("should").And.Not.Contain("does not match").And.Not.Contain("Unknown chunk")
            .And.Not.Contain("The header said").And.Not.Contain("extra data").And.Not.Contain("I only know"),
            $"simg_dump found a problem in {imagePath}:\n{output}");
        return output;
    }

    /// <summary>Runs one of the AOSP tools (img2simg, simg2simg, append2simg) with arguments and requires success.</summary>
    public static void Run(string tool, params string[] arguments) =>
        ExternalTool.RunChecked(ExternalTool.Require(tool, Package), arguments);

    /// <summary>The bytes a sparse image of <paramref name="source"/> must expand to: the source padded with zeros to whole blocks.</summary>
    public static byte[] Padded(byte[] source, int blockSize)
    {
        int length = (source.Length + blockSize - 1) / blockSize * blockSize;
        byte[] padded = new byte[length];
        source.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>Asserts two files have the same bytes, naming the first difference.</summary>
    public static void AssertSameBytes(string expectedPath, string actualPath)
    {
        using FileStream expected = File.OpenRead(expectedPath);
        using FileStream actual = File.OpenRead(actualPath);
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{actualPath} has another length than {expectedPath}");
        byte[] a = new byte[1 << 20], b = new byte[1 << 20];
        long offset = 0;
        int n;
        while ((n = expected.ReadAtLeast(a, a.Length, throwOnEndOfStream: false)) > 0)
        {
            actual.ReadExactly(b, 0, n);
            int mismatch = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n));
            Assert.That(mismatch, Is.EqualTo(n), $"{actualPath} differs from {expectedPath} at byte {offset + mismatch}");
            offset += n;
        }
    }
}
