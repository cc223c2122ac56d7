using System.Text.Json;
using System.Text.RegularExpressions;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Packaging;

/// <summary>
/// The tool packages as a user gets them: the framework-dependent one starts on any .NET 10 runtime, the native ones
/// on glibc 2.27 and later (linux-arm64 too, run under qemu-user), and none carries debug symbols.
/// </summary>
[Category("Packaging")]
public partial class ToolPackageTests
{
    private static readonly string[] NativeRids = ["linux-x64", "linux-arm64"];

    [Test]
    public void TheAnyToolNamesTheFirstNet10RuntimeSoEveryPatchCanStartIt()
    {
        byte[] config = PackedPackages.Entry(PackedPackages.ToolPackage("any"), "tools/net10.0/any/sparsevirt.runtimeconfig.json");
        using JsonDocument document = JsonDocument.Parse(config);
        JsonElement options = document.RootElement.GetProperty("runtimeOptions");
        JsonElement framework = options.TryGetProperty("framework", out JsonElement single) ? single : options.GetProperty("frameworks")[0];

        Assert.Multiple(() =>
        {
            Assert.That(framework.GetProperty("name").GetString(), Is.EqualTo("Microsoft.NETCore.App"));
            Assert.That(framework.GetProperty("version").GetString(), Is.EqualTo("10.0.0"), "a runtime older than the build machine's patch could not start the tool");
        });
    }

    [Test]
    public void NoPackageCarriesANativeDebugFileAndOnlyTheSymbolPackageAPdb()
    {
        var offending = new List<string>();
        foreach (string package in PackedPackages.AllPackages)
        {
            using System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(package);
            bool symbols = package.EndsWith(".snupkg", StringComparison.Ordinal);
            offending.AddRange(zip.Entries
                .Where(e => e.FullName.EndsWith(".dbg", StringComparison.Ordinal) || (!symbols && e.FullName.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase)))
                .Select(e => $"{Path.GetFileName(package)}: {e.FullName}"));
        }
        byte[] pdb = PackedPackages.Entry(PackedPackages.SymbolPackage, "lib/net10.0/SparseVirt.Core.pdb");

        Assert.Multiple(() =>
        {
            Assert.That(offending, Is.Empty);
            // A portable PDB is an ECMA-335 metadata blob ("BSJB"); a Windows PDB starts "Microsoft C/C++ MSF".
            Assert.That(pdb.AsSpan(0, 4).ToArray(), Is.EqualTo("BSJB"u8.ToArray()), "the symbol package's PDB is portable");
        });
    }

    [TestCaseSource(nameof(NativeRids))]
    public void TheNativeToolNeedsGlibc227AtMost(string rid)
    {
        string objdump = rid == "linux-arm64"
            ? ExternalTool.Require("aarch64-linux-gnu-objdump", "binutils-aarch64-linux-gnu")
            : ExternalTool.Require("objdump", "binutils");
        using var work = new TempDirectory();
        string tool = PackedPackages.ExtractNativeTool(rid, work.FullPath);

        ToolResult symbols = ExternalTool.RunChecked(objdump, "-T", tool);
        Version[] versions = GlibcVersion().Matches(symbols.Output).Select(m => Version.Parse(m.Groups[1].Value)).Distinct().ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(versions, Is.Not.Empty, "objdump -T listed no GLIBC_ symbol version: " + symbols.Output[..Math.Min(2000, symbols.Output.Length)]);
            Assert.That(versions.Max(), Is.LessThanOrEqualTo(new Version(2, 27)), $"{rid}: the highest glibc symbol version the tool needs");
        });
    }

    [Test]
    public void TheNativeToolRunsInARootFileSystemHoldingOnlyItsLibraries()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("chroot needs root (.ci/run runs as root).");
        }
        string simg2img = ExternalTool.Require("simg2img", "android-sdk-libsparse-utils");
        using var work = new TempDirectory();
        string root = Directory.CreateDirectory(work.Combine("root")).FullName;
        string tool = PackedPackages.ExtractNativeTool("linux-x64", root);
        // Each library ldd resolves (and the loader) at its own path inside the root, and nothing else: no /proc,
        // /dev, /etc or /tmp.
        ToolResult ldd = ExternalTool.RunChecked(ExternalTool.Require("ldd", "libc-bin"), tool);
        foreach (Match library in LddPath().Matches(ldd.Output))
        {
            string source = library.Groups[1].Value;
            string target = Path.Combine(root, source.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(new FileInfo(source).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? source, target, overwrite: true);
        }
        File.Copy(RepositoryPaths.HelloSample, Path.Combine(root, "hello.simg"));
        string[] contents = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        // Beyond its libraries the tool uses two kernel interfaces every Linux system has: /dev/urandom (the random
        // part of a temporary output's name, Guid.NewGuid) and /proc (an unnamed O_TMPFILE output is given its name by
        // linkat of /proc/self/fd/N). Without them it fails with a message, as measured: "Error occurred during a
        // cryptographic operation", then "Cannot name the finished output (linkat of /proc/self/fd/9)".
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        Directory.CreateDirectory(Path.Combine(root, "proc"));
        ExternalTool.RunChecked(ExternalTool.Require("mknod", "coreutils"), "-m", "444", Path.Combine(root, "dev", "urandom"), "c", "1", "9");
        string mount = ExternalTool.Require("mount", "mount");
        ExternalTool.RunChecked(mount, "-t", "proc", "proc", Path.Combine(root, "proc"));
        string chroot = ExternalTool.Require("chroot", "coreutils");
        ToolResult version, unsparse;
        try
        {
            version = ExternalTool.Run(chroot, [root, "/sparsevirt", "--version"]);
            unsparse = ExternalTool.Run(chroot, [root, "/sparsevirt", "unsparse", "/hello.simg", "/hello.raw"]);
        }
        finally
        {
            ExternalTool.Run(ExternalTool.Require("umount", "mount"), [Path.Combine(root, "proc")]);
        }
        ExternalTool.RunChecked(simg2img, RepositoryPaths.HelloSample, work.Combine("reference.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(contents, Has.Length.LessThan(10), "the root holds the tool, the libraries ldd lists and the sample only: " + string.Join(", ", contents));
            Assert.That(version.ExitCode, Is.Zero, version.Error);
            Assert.That(version.Output, Does.StartWith(PackedPackages.Version));
            Assert.That(unsparse.ExitCode, Is.Zero, unsparse.Error);
            Assert.That(File.ReadAllBytes(Path.Combine(root, "hello.raw")), Is.EqualTo(File.ReadAllBytes(work.Combine("reference.raw"))), "the expanded sample, byte for byte");
        });
    }

    [Test]
    public void TheArm64ToolExpandsTheSampleAndAnswersCheckUnderQemuUser()
    {
        string qemu = ExternalTool.Require("qemu-aarch64-static", "qemu-user-static");
        string simg2img = ExternalTool.Require("simg2img", "android-sdk-libsparse-utils");
        const string Arm64Root = "/usr/aarch64-linux-gnu";
        if (!File.Exists(Path.Combine(Arm64Root, "lib", "ld-linux-aarch64.so.1")))
        {
            ExternalTool.Require("aarch64 glibc at " + Arm64Root, "libc6-arm64-cross");
        }
        using var work = new TempDirectory();
        string tool = PackedPackages.ExtractNativeTool("linux-arm64", work.FullPath);
        string raw = work.Combine("hello.raw");

        ToolResult version = ExternalTool.Run(qemu, ["-L", Arm64Root, tool, "--version"]);
        ToolResult unsparse = ExternalTool.Run(qemu, ["-L", Arm64Root, tool, "unsparse", RepositoryPaths.HelloSample, raw]);
        ToolResult check = ExternalTool.Run(qemu, ["-L", Arm64Root, tool, "check"]);
        ExternalTool.RunChecked(simg2img, RepositoryPaths.HelloSample, work.Combine("reference.raw"));

        Assert.Multiple(() =>
        {
            Assert.That(version.ExitCode, Is.Zero, version.Error);
            Assert.That(version.Output, Does.StartWith(PackedPackages.Version));
            Assert.That(unsparse.ExitCode, Is.Zero, unsparse.Error);
            Assert.That(File.ReadAllBytes(raw), Is.EqualTo(File.ReadAllBytes(work.Combine("reference.raw"))), "the expanded sample, byte for byte");
            // Under user-mode emulation there is no KVM for an arm64 guest: "not ready" (1), with its reason, not a crash.
            Assert.That(check.ExitCode, Is.EqualTo(1), check.Output + check.Error);
            Assert.That(check.Output, Does.Contain("NOT READY").And.Contain("Reason:"));
            Assert.That(check.Output, Does.Contain("(Arm64)"), "the emulated system reports its architecture");
        });
    }

    [GeneratedRegex(@"\(GLIBC_(\d+\.\d+(?:\.\d+)?)\)")]
    private static partial Regex GlibcVersion();

    [GeneratedRegex(@"(?m)(?:=> )?(/\S+) \(0x")]
    private static partial Regex LddPath();
}
