using System.Text;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.FileSystems.Erofs;

/// <summary>
/// The tree the EROFS tests give mkfs.erofs: files of many sizes around the block and lcluster edges, compressible
/// and incompressible, a zero-filled and a sparse file, short and long symbolic links, a deep and a wide directory,
/// a hard link, odd modes and times, extended attributes (through setfattr, when installed), and, as root, device
/// nodes and other owners.
/// </summary>
internal static class ErofsSourceTree
{
    /// <summary>The xattrs set on paths relative to the tree (empty when setfattr is missing).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Write(string root)
    {
        var random = new Random(20261205);
        Directory.CreateDirectory(root);
        int[] sizes = [0, 1, 100, 4095, 4096, 4097, 8191, 8192, 12293, 65535, 65536, 65537, 100_000, 262_149];
        foreach (int size in sizes)
        {
            byte[] noise = new byte[size];
            random.NextBytes(noise);
            File.WriteAllBytes(Path.Combine(root, $"noise-{size}"), noise);
            File.WriteAllBytes(Path.Combine(root, $"text-{size}"), Text(size, random));
        }
        File.WriteAllBytes(Path.Combine(root, "text-big"), Text(1_300_017, random));
        File.WriteAllBytes(Path.Combine(root, "zeros"), new byte[1 << 20]);
        using (FileStream sparse = File.Create(Path.Combine(root, "sparse")))
        {
            sparse.Write(Text(5000, random));
            sparse.Position = 3 << 20;
            sparse.Write(Text(7000, random));
        }
        File.CreateSymbolicLink(Path.Combine(root, "link-short"), "text-100");
        File.CreateSymbolicLink(Path.Combine(root, "link-long"), string.Concat(Enumerable.Repeat("long-target/", 30)) + "end");
        File.CreateSymbolicLink(Path.Combine(root, "link-dangling"), "/nowhere/at/all");
        string deep = root;
        for (int level = 0; level < 12; level++)
        {
            deep = Path.Combine(deep, $"level-{level}");
        }
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "bottom.txt"), "the bottom of the deep directory\n");
        string wide = Path.Combine(root, "wide");
        Directory.CreateDirectory(wide);
        for (int index = 0; index < 400; index++)
        {
            File.WriteAllText(Path.Combine(wide, $"entry-with-a-longish-name-{index:D4}"), $"{index}\n");
        }
        File.WriteAllText(Path.Combine(root, "ünïcödé name"), "unicode\n");
        File.CreateSymbolicLink(Path.Combine(wide, "up"), "../text-4096");
        File.WriteAllText(Path.Combine(root, "hard-a"), "linked twice\n");
        HardLink(Path.Combine(root, "hard-a"), Path.Combine(root, "hard-b"));
        string modes = Path.Combine(root, "modes");
        Directory.CreateDirectory(modes);
        foreach (string mode in new[] { "600", "4755", "444", "1777" })
        {
            string path = Path.Combine(modes, $"mode-{mode}");
            File.WriteAllText(path, "mode\n");
            Run("chmod", mode, path);
        }
        File.SetLastWriteTimeUtc(Path.Combine(root, "text-100"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc).AddTicks(1234567));
        File.SetLastWriteTimeUtc(Path.Combine(root, "noise-1"), new DateTime(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        if (Environment.UserName == "root")
        {
            RootOnly(root);
        }
        return SetXattrs(root);
    }

    private static byte[] Text(int size, Random random)
    {
        var text = new StringBuilder(size + 64);
        while (text.Length < size)
        {
            text.Append("line ").Append(random.Next(1000)).Append(" of the compressible text, ro.build.prop=value\n");
        }
        return Encoding.ASCII.GetBytes(text.ToString(0, size));
    }

    private static void RootOnly(string root)
    {
        Run("mknod", Path.Combine(root, "char-device"), "c", "4", "5");
        Run("mknod", Path.Combine(root, "block-device"), "b", "259", "300000");
        Run("mkfifo", Path.Combine(root, "fifo"));
        File.WriteAllText(Path.Combine(root, "owned"), "owned by someone else\n");
        Run("chown", "1234:5678", Path.Combine(root, "owned"));
        File.WriteAllText(Path.Combine(root, "owned-high"), "owned by a 32-bit id\n");
        Run("chown", "70000:80000", Path.Combine(root, "owned-high"));
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> SetXattrs(string root)
    {
        var expected = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        if (ExternalTool.Find("setfattr") is null)
        {
            return expected;
        }
        // "shared" repeats on several files, so mkfs.erofs (-x2: an xattr used more than twice) shares it.
        Dictionary<string, string> Set(string path, params (string Name, string Value)[] attributes)
        {
            foreach ((string name, string value) in attributes)
            {
                Run("setfattr", "-n", name, "-v", value, Path.Combine(root, path));
            }
            return attributes.ToDictionary(a => a.Name, a => a.Value);
        }
        expected["text-100"] = Set("text-100", ("user.shared", "everywhere"), ("user.one", "1"));
        expected["text-4096"] = Set("text-4096", ("user.shared", "everywhere"), ("security.selinux", "u:object_r:system_file:s0"));
        expected["text-big"] = Set("text-big", ("user.shared", "everywhere"), ("trusted.long", new string('v', 600)));
        expected["wide"] = Set("wide", ("user.shared", "everywhere"), ("user.dir", "directory attribute"));
        return expected;
    }

    private static void HardLink(string existing, string link) => Run("ln", existing, link);

    private static void Run(string tool, params string[] arguments)
    {
        ToolResult result = ExternalTool.Run(ExternalTool.Find(tool) ?? tool, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"{tool} {string.Join(' ', arguments)}: {result.Error}");
    }
}
