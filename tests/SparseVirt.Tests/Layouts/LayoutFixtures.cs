using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Layouts;

/// <summary>Inputs and tool runs the layout tests share: partition images with data and zero runs, lpmake, lpunpack.</summary>
internal static class LayoutFixtures
{
    public const string LpToolsPackage = "android-platform-tools source (bash .ci/build-lptools builds lpmake and lpunpack)";

    /// <summary>A raw image of <paramref name="blocks"/> 4 KiB blocks: random data with every third block zero and a run of zeros in the middle.</summary>
    public static string WriteImage(TempDirectory folder, string name, int blocks, int seed)
    {
        byte[] bytes = new byte[blocks * 4096];
        new Random(seed).NextBytes(bytes);
        for (int block = 0; block < blocks; block++)
        {
            if (block % 3 == 2 || (block > blocks / 3 && block < blocks / 2))
            {
                bytes.AsSpan(block * 4096, 4096).Clear();
            }
        }
        string path = folder.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>img2simg of <paramref name="raw"/>.</summary>
    public static string Sparse(string raw)
    {
        string img2simg = ExternalTool.Require("img2simg", "android-sdk-libsparse-utils");
        string sparse = raw + ".simg";
        ExternalTool.RunChecked(img2simg, raw, sparse);
        return sparse;
    }

    /// <summary>simg2img of <paramref name="sparse"/> (one file or pieces).</summary>
    public static string Expand(string output, params string[] sparse)
    {
        string simg2img = ExternalTool.Require("simg2img", "android-sdk-libsparse-utils");
        ExternalTool.RunChecked(simg2img, [.. sparse, output]);
        return output;
    }

    public static ToolResult Lpmake(params string[] arguments) =>
        ExternalTool.RunChecked(ExternalTool.Require("lpmake", LpToolsPackage), arguments);

    /// <summary>lpunpack of a raw super image into a new folder; returns the folder.</summary>
    public static string Lpunpack(TempDirectory folder, string super, string into, uint slot = 0)
    {
        string output = folder.Combine(into);
        Directory.CreateDirectory(output);
        ExternalTool.RunChecked(ExternalTool.Require("lpunpack", LpToolsPackage), "--slot=" + slot, super, output);
        return output;
    }

    /// <summary>Asserts that two folders hold the same file names with the same bytes.</summary>
    public static void AssertSameFiles(string expectedFolder, string actualFolder)
    {
        string[] expected = [.. Directory.GetFiles(expectedFolder).Select(Path.GetFileName).Order()!];
        string[] actual = [.. Directory.GetFiles(actualFolder).Select(Path.GetFileName).Order()!];
        Assert.That(actual, Is.EqualTo(expected), "the same partitions were extracted");
        foreach (string name in expected)
        {
            Assert.That(FilesEqual(Path.Combine(expectedFolder, name), Path.Combine(actualFolder, name)), Is.True, $"{name} differs");
        }
    }

    /// <summary>
    /// Asserts that no file of <paramref name="actualFolder"/> takes more disk space than the same file of
    /// <paramref name="expectedFolder"/> (lpunpack's): zero blocks are holes in both.
    /// </summary>
    public static void AssertNoMoreAllocated(string expectedFolder, string actualFolder)
    {
        foreach (string expected in Directory.GetFiles(expectedFolder))
        {
            string actual = Path.Combine(actualFolder, Path.GetFileName(expected));
            Assert.That(AllocatedBytes(actual), Is.LessThanOrEqualTo(AllocatedBytes(expected)), $"{actual} takes no more space than {expected}");
        }
    }

    public static bool FilesEqual(string a, string b)
    {
        using FileStream first = File.OpenRead(a), second = File.OpenRead(b);
        if (first.Length != second.Length)
        {
            return false;
        }
        byte[] x = new byte[1 << 20], y = new byte[1 << 20];
        int read;
        while ((read = first.Read(x)) > 0)
        {
            second.ReadExactly(y.AsSpan(0, read));
            if (!x.AsSpan(0, read).SequenceEqual(y.AsSpan(0, read)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The bytes of the file actually allocated on disk (holes excluded).</summary>
    public static long AllocatedBytes(string path)
    {
        ToolResult result = ExternalTool.RunChecked("/usr/bin/stat", "-c", "%b %B", path);
        string[] parts = result.Output.Trim().Split(' ');
        return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
