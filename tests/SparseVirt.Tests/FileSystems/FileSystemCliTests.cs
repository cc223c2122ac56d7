using System.Text.Json;
using SparseVirt.BlockSources;
using SparseVirt.Tests.Cli;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Layouts;

namespace SparseVirt.Tests.FileSystems;

/// <summary>
/// <c>ls</c>, <c>cat</c>, <c>stat</c> and <c>extract</c> on one mkfs.ext4 image in every form a source takes: raw,
/// sparse (img2simg), split sparse pieces, a logical partition of a super image (lpmake) and a GPT partition.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class FileSystemCliTests
{
    private TempDirectory _folder = null!;
    private string _tree = null!;
    private string _raw = null!;
    private string[] _sources = null!;

    [OneTimeSetUp]
    public async Task MakeImages()
    {
        (_folder, _tree) = Ext4Images.NewTree();
        _raw = Ext4Images.Make(_folder.FullPath, _tree, "system.img", 48);
        string sparse = LayoutFixtures.Sparse(_raw);
        Assert.That((await CliHarness.RunAsync("split", sparse, _folder.Combine("pieces"), "4M")).ExitCode, Is.Zero);
        string super = _folder.Combine("super.img");
        LayoutFixtures.Lpmake(
            "--metadata-size", "65536", "--super-name", "super", "--metadata-slots", "2", "--device-size", "134217728",
            "--group", "main:100663296", "--partition", "system_a:readonly:50331648:main", "--image", "system_a=" + sparse, "--sparse", "--output", super);
        Assert.That((await CliHarness.RunAsync("compose", _folder.Combine("disk.img"), "boot=" + _folder.Combine("pieces.0"), "system=" + _raw)).ExitCode, Is.Zero);
        _sources = [_raw, sparse, _folder.Combine("pieces.0"), super + ":system_a", _folder.Combine("disk.img") + ":system"];
    }

    [OneTimeTearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public async Task CatReadsTheSameBytesFromEveryFormOfSource()
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(_tree, "sizes", "f100003"));
        foreach (string source in _sources)
        {
            (CliResult result, byte[] bytes) = await CliHarness.RunWithBinaryOutputAsync("cat", source + ":/sizes/f100003");
            Assert.That(result.ExitCode, Is.Zero, source + ": " + result.Error);
            Assert.That(bytes, Is.EqualTo(expected), source);
        }
        (CliResult viaLink, byte[] linked) = await CliHarness.RunWithBinaryOutputAsync("cat", _sources[3] + ":/slow-link");
        Assert.That(viaLink.ExitCode, Is.Zero, viaLink.Error);
        Assert.That(linked, Is.EqualTo(File.ReadAllBytes(Path.Combine(_tree, "build.prop"))), "a slow symlink with .. and . is followed");
    }

    [Test]
    public async Task LsAndStatJsonDescribeWhatDebugfsSees()
    {
        CliResult ls = await CliHarness.RunAsync("ls", _sources[1] + ":/sizes", "--json");
        CliResult stat = await CliHarness.RunAsync("stat", _sources[3] + ":/fast-link", "--json");
        CliResult text = await CliHarness.RunAsync("ls", _sources[0] + ":/");
        string debugfs = Ext4Images.Debugfs(_folder.FullPath, _raw, ["stat /fast-link"]);
        DebugfsStat expected = DebugfsStat.ParseAll(debugfs)[0];

        Assert.Multiple(() =>
        {
            Assert.That(ls.ExitCode, Is.Zero, ls.Error);
            using JsonDocument list = JsonDocument.Parse(ls.Output);
            Assert.That(list.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
            string[] names = [.. list.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
            Assert.That(names, Is.EquivalentTo(Ext4Images.FileSizes.Select(s => $"f{s}")));
            Assert.That(stat.ExitCode, Is.Zero, stat.Error);
            using JsonDocument one = JsonDocument.Parse(stat.Output);
            Assert.That(one.RootElement.GetProperty("kind").GetString(), Is.EqualTo("symlink"));
            Assert.That(one.RootElement.GetProperty("target").GetString(), Is.EqualTo("sizes/f1000"));
            Assert.That(one.RootElement.GetProperty("inode").GetUInt64(), Is.EqualTo(expected.Inode));
            Assert.That(one.RootElement.GetProperty("uid").GetUInt32(), Is.EqualTo(expected.UserId));
            Assert.That(text.Output, Does.Contain("fast-link -> sizes/f1000").And.Contain("prw-r--r--"));
        });
    }

    [Test]
    public async Task ExtractWritesTheTreeAsDebugfsRdumpDoesWithHolesKept()
    {
        string expected = _folder.Combine("rdump");
        Directory.CreateDirectory(expected);
        Ext4Images.DumpWithDebugfs(_raw, expected);
        string output = _folder.Combine("extracted");

        CliResult result = await CliHarness.RunAsync("extract", _sources[3] + ":/", output);

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Error, Does.Contain("skipped /pipe: a fifo"));
        foreach (string file in Directory.EnumerateFiles(expected, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null && !f.Contains("dir-link", StringComparison.Ordinal)))
        {
            string relative = Path.GetRelativePath(expected, file);
            string mine = Path.Combine(output, relative);
            Assert.That(LayoutFixtures.FilesEqual(file, mine), Is.True, relative);
            Assert.That(File.GetUnixFileMode(mine), Is.EqualTo(File.GetUnixFileMode(Path.Combine(_tree, relative))), relative + " mode");
            // mkfs.ext4 -d keeps whole seconds of the tree's mtimes (debugfs stat shows no nanoseconds).
            Assert.That(new DateTimeOffset(File.GetLastWriteTimeUtc(mine)).ToUnixTimeSeconds(), Is.EqualTo(new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_tree, relative))).ToUnixTimeSeconds()), relative + " mtime");
        }
        Assert.That(new FileInfo(Path.Combine(output, "slow-link")).LinkTarget, Is.EqualTo(new FileInfo(Path.Combine(_tree, "slow-link")).LinkTarget));
        using RawFileBlockSource sparse = RawFileBlockSource.Open(Path.Combine(output, "sparse.bin"));
        Assert.That(sparse.GetExtents(0, sparse.Length).Count(e => e.Kind == BlockExtentKind.Hole), Is.GreaterThanOrEqualTo(39), "the file's holes stay holes");
        if (Environment.IsPrivilegedProcess)
        {
            ToolResult owner = ExternalTool.RunChecked("/usr/bin/stat", "-c", "%u:%g", Path.Combine(output, "sizes", "f60"));
            Assert.That(owner.Output.Trim(), Is.EqualTo("1234:5678"), "owners restored as root");
        }
    }

    [Test]
    public async Task ExtractNeverClobbersAndBadPathsFailWithOneLine()
    {
        string existing = _folder.Combine("existing");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "keep"), "mine");

        CliResult tree = await CliHarness.RunAsync("extract", _sources[1] + ":/sizes", existing);
        CliResult missing = await CliHarness.RunAsync("cat", _sources[1] + ":/sizes/nope");
        CliResult loop = await CliHarness.RunAsync("cat", _sources[1] + ":/loop-a");
        CliResult file = await CliHarness.RunAsync("extract", _sources[1] + ":/build.prop", Path.Combine(existing, "keep"));

        Assert.Multiple(() =>
        {
            Assert.That(tree.ExitCode, Is.EqualTo(1));
            Assert.That(tree.Error, Does.Contain("already exists"));
            Assert.That(missing.Error, Does.Contain("/sizes/nope").And.Contain("no such file"));
            Assert.That(loop.Error, Does.Contain("too many levels of symbolic links"));
            Assert.That(file.ExitCode, Is.Zero, file.Error);
            Assert.That(File.ReadAllText(Path.Combine(existing, "keep")), Is.EqualTo(File.ReadAllText(Path.Combine(_tree, "build.prop"))), "a file is replaced once complete");
            Assert.That(Directory.GetFileSystemEntries(_folder.FullPath, ".*sparsevirt-*"), Is.Empty, "no temporary left behind");
        });
    }
}
