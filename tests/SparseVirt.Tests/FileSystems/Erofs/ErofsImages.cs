using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>Makes EROFS images with erofs-utils (mkfs.erofs) and extracts them (fsck.erofs --extract), the reference.</summary>
internal static class ErofsImages
{
    public static string Make(string image, string tree, params string[] options)
    {
        string mkfs = ExternalTool.Require("mkfs.erofs", "erofs-utils");
        ToolResult result = ExternalTool.Run(mkfs, [.. options, "--quiet", image, tree]);
        Assert.That(result.ExitCode, Is.Zero, $"mkfs.erofs {string.Join(' ', options)}: {result.Error}{result.Output}");
        return image;
    }

    public static void Extract(string image, string folder)
    {
        string fsck = ExternalTool.Require("fsck.erofs", "erofs-utils");
        ToolResult result = ExternalTool.Run(fsck, [$"--extract={folder}", image]);
        Assert.That(result.ExitCode, Is.Zero, $"fsck.erofs --extract: {result.Error}{result.Output}");
    }

    /// <summary>
    /// Every entry under <paramref name="folder"/> as GNU find describes it (lstat): type, uid, gid, octal mode, size,
    /// mtime (seconds with the fraction), link target, keyed by "/relative/path".
    /// </summary>
    public static Dictionary<string, FoundEntry> Find(string folder)
    {
        ToolResult result = ExternalTool.Run(ExternalTool.Require("find", "findutils"), [folder, "-mindepth", "1", "-printf", "/%P\\t%y\\t%U\\t%G\\t%m\\t%s\\t%T@\\t%l\\n"]);
        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var entries = new Dictionary<string, FoundEntry>(StringComparer.Ordinal);
        foreach (string line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split('\t');
            entries[f[0]] = new FoundEntry(f[1][0], uint.Parse(f[2]), uint.Parse(f[3]), Convert.ToInt32(f[4], 8), long.Parse(f[5]), Ticks(f[6]), f[7]);
        }
        return entries;
    }

    /// <summary>"1764905000.0398938060" as 100 ns ticks since the Unix epoch, truncated as .NET truncates nanoseconds.</summary>
    private static long Ticks(string seconds)
    {
        string[] parts = seconds.Split('.');
        string fraction = (parts.Length > 1 ? parts[1] : "").PadRight(7, '0')[..7];
        return (long.Parse(parts[0]) * TimeSpan.TicksPerSecond) + long.Parse(fraction);
    }
}

internal sealed record FoundEntry(char Type, uint UserId, uint GroupId, int Mode, long Size, long MtimeTicks, string LinkTarget);
