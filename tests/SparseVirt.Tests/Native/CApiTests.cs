using System.Reflection;
using System.Text.Json;
using SparseVirt.Hypervisor;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;
using SparseVirt.Tests.Sparse.Writing;

namespace SparseVirt.Tests.Native;

/// <summary>
/// The C interface (<c>src/SparseVirt.Native</c>, <c>libsparsevirt.so</c>) called as its users call it: a C program
/// compiled against <c>sparsevirt.h</c> (<c>capi_test.c</c>, which checks statuses, the last error, the progress
/// callback and cancellation itself) and a Python script through ctypes (<c>capi_ctypes.py</c>). Here their outputs
/// are held against the reference tool (simg2img) and the managed library's own JSON.
/// </summary>
[NonParallelizable]
public class CApiTests
{
    private static string NativeFolder => Path.Combine(RepositoryPaths.Root, "tests", "SparseVirt.Tests", "Native");

    [Test]
    public void ACProgramCallsEveryExportAndGetsWhatTheLibraryAndSimg2imgGive()
    {
        string library = NativeLibraryUnderTest.Require();
        string compiler = NativeLibraryUnderTest.RequireCompiler();
        using var folder = new TempDirectory();
        string image = WriteImageOfSeveralProgressSteps(folder);
        string program = folder.Combine("capi_test");
        ExternalTool.RunChecked(compiler,
            "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-pthread",
            "-I", NativeLibraryUnderTest.IncludeFolder, Path.Combine(NativeFolder, "capi_test.c"),
            "-L", Path.GetDirectoryName(library)!, "-lsparsevirt", "-Wl,-rpath," + Path.GetDirectoryName(library), "-o", program);

        // The image is 160 MiB expanded; progress is reported every 64 MiB and at the end: at least three calls.
        ToolResult run = ExternalTool.Run(program, [image, folder.FullPath, "3"]);
        TestContext.Out.WriteLine(run.Output + run.Error);

        Assert.That(run.ExitCode, Is.Zero, "capi_test reported a failed check:\n" + run.Output + run.Error);
        AospSparseTools.Expand(folder.Combine("simg2img.raw"), image);
        AospSparseTools.AssertSameBytes(folder.Combine("simg2img.raw"), folder.Combine("expanded.raw"));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(folder.Combine("version.txt")), Is.EqualTo(ManagedLibraryVersion));
            Assert.That(File.ReadAllText(folder.Combine("info.json")), Is.EqualTo(InfoJson(image)), "the same JSON as info --json");
            Assert.That(File.ReadAllText(folder.Combine("verify.json")), Is.EqualTo(SparseVerifier.Verify(image).ToJson()), "the same JSON as verify --json");
            AssertIsCapabilityReport(File.ReadAllText(folder.Combine("check.json")));
            Assert.That(run.Output, Does.Contain("not sparse: Invalid sparse image: file header (at byte offset 0): wrong magic"));
        });
    }

    [Test]
    public void APythonBuildScriptCallsItThroughCtypes()
    {
        string library = NativeLibraryUnderTest.Require();
        string python = ExternalTool.Require("python3", "python3");
        using var folder = new TempDirectory();
        string image = RepositoryPaths.HelloSample;

        ToolResult run = ExternalTool.Run(python, [Path.Combine(NativeFolder, "capi_ctypes.py"), library, image, folder.FullPath]);
        TestContext.Out.WriteLine(run.Output + run.Error);

        Assert.That(run.ExitCode, Is.Zero, "capi_ctypes.py failed:\n" + run.Output + run.Error);
        AospSparseTools.Expand(folder.Combine("simg2img.raw"), image);
        AospSparseTools.AssertSameBytes(folder.Combine("simg2img.raw"), folder.Combine("python.raw"));
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.StartWith("libsparsevirt " + ManagedLibraryVersion + "\n"));
            Assert.That(run.Output, Does.Contain("missing image: sparsevirt error 2: ").And.EndsWith("PASSED\n"));
            using JsonDocument info = JsonDocument.Parse(File.ReadAllText(folder.Combine("python-info.json")));
            using JsonDocument expected = JsonDocument.Parse(InfoJson(image));
            Assert.That(info.RootElement.GetProperty("chunks").GetArrayLength(), Is.EqualTo(expected.RootElement.GetProperty("chunks").GetArrayLength()));
            Assert.That(info.RootElement.GetProperty("rawLength").GetInt64(), Is.EqualTo(expected.RootElement.GetProperty("rawLength").GetInt64()));
            AssertIsCapabilityReport(File.ReadAllText(folder.Combine("python-check.json")));
        });
    }

    private static string ManagedLibraryVersion =>
        typeof(SparseImage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    private static string InfoJson(string image)
    {
        using SparseImage opened = SparseImage.Open(image);
        return SparseImageInfo.FromImage(opened).ToJson();
    }

    /// <summary>The report's facts differ from one probe to the next; its shape and version do not.</summary>
    private static void AssertIsCapabilityReport(string json)
    {
        using JsonDocument native = JsonDocument.Parse(json);
        using JsonDocument managed = JsonDocument.Parse(HostVirtualization.Detect().ToJson());
        Assert.That(native.RootElement.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(HostVirtualizationReport.CurrentSchemaVersion));
        Assert.That(native.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(managed.RootElement.EnumerateObject().Select(p => p.Name)));
        Assert.That(native.RootElement.GetProperty("isReady").GetBoolean(), Is.EqualTo(managed.RootElement.GetProperty("isReady").GetBoolean()));
    }

    /// <summary>RAW, CRC32, DONT_CARE and FILL chunks, 160 MiB expanded, 50 KiB on disk.</summary>
    private static string WriteImageOfSeveralProgressSteps(TempDirectory folder)
    {
        // The CRC32 chunk comes before the huge DONT_CAREs, which the builder's running checksum does not count.
        var builder = new SparseImageBuilder().Raw(8, seed: 31).Crc32().HugeDontCare(20480).Fill(0xDEADBEEF, 16).HugeDontCare(20480).Raw(4, seed: 32);
        string path = folder.Combine("several-steps.simg");
        File.WriteAllBytes(path, builder.Build());
        return path;
    }
}
