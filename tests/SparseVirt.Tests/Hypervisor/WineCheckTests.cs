using System.Text.Json;
using SparseVirt.Hypervisor;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Hypervisor;

/// <summary>
/// The Windows collector for real: the tool's win-x64 self-contained build run under Wine, a real Win32
/// implementation without the Windows Hypervisor Platform. <c>.ci/run</c> publishes the build once and passes it in
/// <c>SPARSEVIRT_WIN_X64_TOOL</c>; without it the test publishes one itself (minutes, and the win-x64 runtime pack).
/// </summary>
[Platform("Linux")]
[Category("Wine")]
public class WineCheckTests
{
    [Test]
    [CancelAfter(900_000)]
    public void CheckUnderWineSaysWhpxIsUnavailableBecauseTheLibraryIsMissing()
    {
        string wine = ExternalTool.Find("wine64") ?? ExternalTool.Require("wine", "wine wine64");
        using var scratch = new TempDirectory();
        string tool = Environment.GetEnvironmentVariable("SPARSEVIRT_WIN_X64_TOOL") is { Length: > 0 } prebuilt && File.Exists(prebuilt)
            ? prebuilt
            : Publish(scratch.Combine("win-x64"));
        string prefix = scratch.Combine("prefix");

        ToolResult result = ExternalTool.Run(wine, [tool, "check", "--json"], TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { ["WINEPREFIX"] = prefix, ["WINEDEBUG"] = "-all" });
        ExternalTool.Run(ExternalTool.Find("wineserver") ?? "wineserver", ["-k"], TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["WINEPREFIX"] = prefix });

        TestContext.Out.WriteLine(result.Output);
        HostVirtualizationReport report = HostVirtualizationReport.FromJson(result.Output);
        AcceleratorVerdict whpx = report.Accelerators.Single(a => a.Accelerator == Accelerator.Whpx);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), "not ready: " + result.Error);
            Assert.That(report.SchemaVersion, Is.EqualTo(HostVirtualizationReport.CurrentSchemaVersion));
            Assert.That(report.Facts.OperatingSystem.Kind, Is.EqualTo(OperatingSystemKind.Windows));
            Assert.That(report.Facts.Windows, Is.Not.Null, "the Windows facts were collected");
            Assert.That(report.Facts.Windows!.HypervisorPlatform.LibraryLoad?.Error, Is.EqualTo(SystemCallError.NotFound));
            Assert.That(whpx.Verdict.Status, Is.EqualTo(VirtualizationStatus.HypervisorPlatformDisabled));
            Assert.That(whpx.Verdict.Reason, Does.Contain("WinHvPlatform.dll is missing"));
            Assert.That(string.Join("\n", whpx.Verdict.Remediation), Does.Contain("Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform"));
            Assert.That(report.QemuAccelerator, Is.EqualTo("tcg"));
            Assert.That(report.Emulator.Code, Is.EqualTo(AndroidCpuAcceleration.AccelNotInstalled));
            if (report.Facts.Cpu is { HypervisorPresent: true } cpu)
            {
                Assert.That(whpx.Verdict.Reason, Does.Contain(cpu.HypervisorName!), "the hypervisor CPUID shows is named");
            }
            Assert.That(report.Facts.Windows.Aehd.Open, Is.Not.Null, "the AEHD device was probed");
        });
    }

    private static string Publish(string output)
    {
        string dotnet = ExternalTool.Require("dotnet", "dotnet-sdk-10.0");
        string project = Path.Combine(RepositoryPaths.Root, "src", "SparseVirt.Cli", "SparseVirt.Cli.csproj");
        ToolResult published = ExternalTool.Run(dotnet,
            ["publish", project, "-c", "Release", "-r", "win-x64", "--self-contained", "-p:PublishAot=false", "-p:PublishReadyToRun=false", "-nologo", "-o", output],
            TimeSpan.FromMinutes(10));
        Assert.That(published.ExitCode, Is.Zero, "win-x64 publish failed: " + published.Output + published.Error);
        return Path.Combine(output, "sparsevirt.exe");
    }
}
