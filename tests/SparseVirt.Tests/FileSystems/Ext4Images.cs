using System.Diagnostics;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems;

/// <summary>
/// ext4 images made by the real <c>mkfs.ext4 -d</c> from a tree these tests write: files of many sizes (empty, around
/// the 60-byte inline and symlink limits, around block sizes, a few MiB), a sparse file with many data islands (so
/// its extent tree has index blocks), fast and slow symlinks (relative, absolute, dangling, to a directory), a deep
/// directory chain, a directory of 400 names (an htree), a hard link, a FIFO, odd modes, owners and mtimes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class Ext4Images
{
    public const int DeepLevels = 24;
    public const int WideNames = 400;

    public static readonly int[] FileSizes = [0, 1, 59, 60, 61, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 65536, 100_003, 3 * 1024 * 1024 + 17];

    /// <summary>A new temporary folder holding the tree in its <c>tree</c> sub-folder.</summary>
    public static (TempDirectory Folder, string Tree) NewTree()
    {
        var folder = new TempDirectory();
        string tree = folder.Combine("tree");
        Directory.CreateDirectory(tree);
        WriteTree(tree);
        return (folder, tree);
    }

    /// <summary>Writes the tree under <paramref name="root"/>.</summary>
    public static void WriteTree(string root)
    {
        var random = new Random(25);
        Directory.CreateDirectory(Path.Combine(root, "sizes"));
        foreach (int size in FileSizes)
        {
            byte[] bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(root, "sizes", $"f{size}"), bytes);
        }
        WriteSparse(Path.Combine(root, "sparse.bin"), random);
        WriteLinks(root);
        string deep = root;
        for (int i = 0; i < DeepLevels; i++)
        {
            deep = Path.Combine(deep, $"d{i}");
        }
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "bottom.txt"), "the bottom\n");
        string wide = Path.Combine(root, "wide");
        Directory.CreateDirectory(wide);
        for (int i = 0; i < WideNames; i++)
        {
            File.WriteAllText(Path.Combine(wide, $"entry-with-a-longish-name-{i:D4}"), $"{i}\n");
        }
        File.WriteAllText(Path.Combine(root, "build.prop"), "ro.build.id=TEST\nro.product.name=sparsevirt\n");
        File.WriteAllText(Path.Combine(root, "hard-source"), "linked twice\n");
        Run("ln", Path.Combine(root, "hard-source"), Path.Combine(root, "hard-link"));
        Run("mkfifo", Path.Combine(root, "pipe"));
        SetModesOwnersAndTimes(root);
    }

    /// <summary>Runs mkfs.ext4 over <paramref name="tree"/> into a new image of <paramref name="megabytes"/> MiB.</summary>
    public static string Make(string folder, string tree, string name, int megabytes, params string[] options)
    {
        string mkfs = ExternalTool.Require("mkfs.ext4", "e2fsprogs");
        string image = Path.Combine(folder, name);
        var arguments = new List<string> { "-q", "-F", "-L", "sv-" + name.Replace(".img", "", StringComparison.Ordinal), "-E", "root_owner=0:0" };
        arguments.AddRange(options);
        arguments.AddRange(["-d", tree, image, $"{megabytes}M"]);
        ToolResult result = ExternalTool.Run(mkfs, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"mkfs.ext4 {string.Join(' ', arguments)}: {result.Error}");
        return image;
    }

    /// <summary>debugfs's <c>rdump</c> of the whole image into <paramref name="destination"/> (which must exist).</summary>
    public static void DumpWithDebugfs(string image, string destination)
    {
        string debugfs = ExternalTool.Require("debugfs", "e2fsprogs");
        ToolResult result = ExternalTool.Run(debugfs, ["-R", $"rdump / {destination}", image]);
        Assert.That(result.ExitCode, Is.Zero, $"debugfs rdump: {result.Error}");
    }

    /// <summary>Runs debugfs requests (one per line) against <paramref name="image"/> and returns its output.</summary>
    public static string Debugfs(string folder, string image, IEnumerable<string> requests, bool writable = false)
    {
        string debugfs = ExternalTool.Require("debugfs", "e2fsprogs");
        string script = Path.Combine(folder, $"requests-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(script, requests);
        List<string> arguments = writable ? ["-w", "-f", script, image] : ["-f", script, image];
        ToolResult result = ExternalTool.Run(debugfs, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"debugfs -f: {result.Error}");
        return result.Output;
    }

    private static void WriteSparse(string path, Random random)
    {
        using FileStream file = File.Create(path);
        byte[] island = new byte[4096];
        for (int i = 0; i < 40; i++)
        {
            random.NextBytes(island);
            file.Position = (long)i * 256 * 1024;
            file.Write(island);
        }
        file.SetLength(40L * 256 * 1024 + 12345);
    }

    private static void WriteLinks(string root)
    {
        File.CreateSymbolicLink(Path.Combine(root, "fast-link"), "sizes/f1000");
        File.CreateSymbolicLink(Path.Combine(root, "slow-link"), "sizes/../" + string.Concat(Enumerable.Repeat("./", 60)) + "build.prop");
        File.CreateSymbolicLink(Path.Combine(root, "absolute-link"), "/sizes/f4096");
        File.CreateSymbolicLink(Path.Combine(root, "dangling-link"), "no/such/file");
        File.CreateSymbolicLink(Path.Combine(root, "dir-link"), "sizes");
        File.CreateSymbolicLink(Path.Combine(root, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(root, "loop-b"), "loop-a");
    }

    private static void SetModesOwnersAndTimes(string root)
    {
        File.SetUnixFileMode(Path.Combine(root, "sizes", "f1"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(Path.Combine(root, "sizes", "f59"), (UnixFileMode)Convert.ToInt32("4755", 8));
        File.SetUnixFileMode(Path.Combine(root, "wide"), (UnixFileMode)Convert.ToInt32("1777", 8));
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", "1234:5678", Path.Combine(root, "sizes", "f60"));
            Run("chown", "-h", "4321:8765", Path.Combine(root, "fast-link"));
        }
        File.SetLastWriteTimeUtc(Path.Combine(root, "build.prop"), new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567));
        File.SetLastWriteTimeUtc(Path.Combine(root, "sizes", "f0"), new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc));
    }

    private static void Run(string tool, params string[] arguments)
    {
        using Process process = Process.Start(tool, arguments);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{tool} {string.Join(' ', arguments)}");
    }
}
