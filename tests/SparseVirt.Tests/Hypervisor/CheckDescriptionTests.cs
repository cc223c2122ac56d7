using SparseVirt.Cli.Commands;
using SparseVirt.Hypervisor;

namespace SparseVirt.Tests.Hypervisor;

/// <summary><c>sparsevirt check</c>'s human-readable report for every fixture, whatever system it was recorded on.</summary>
public class CheckDescriptionTests
{
    private static IEnumerable<string> FixtureNames => Fixtures.Names;

    [TestCaseSource(nameof(FixtureNames))]
    public void TheReportNamesEveryAcceleratorAndTheSystemsFacts(string fixture)
    {
        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(Fixtures.Load(fixture));

        string text = CheckReportText.Describe(report);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith(report.IsReady ? $"{report.BestAccelerator.ToString().ToUpperInvariant()} acceleration: READY" : $"{report.Accelerators[0].Accelerator.ToString().ToUpperInvariant()} acceleration: NOT READY"));
            Assert.That(text, Does.Contain($"QEMU: -accel {report.QemuAccelerator}"));
            Assert.That(text, Does.Contain($"Android Emulator: {report.Emulator.CodeValue} {report.Emulator.Symbol}"));
            foreach (AcceleratorVerdict accelerator in report.Accelerators)
            {
                Assert.That(text, Does.Contain($"  {accelerator.Accelerator.ToString().ToUpperInvariant(),-5} {(accelerator.IsUsable ? "usable" : "not usable")}"));
            }
            if (report.Facts.Windows is not null)
            {
                Assert.That(text, Does.Contain("WinHvPlatform.dll").And.Contain("AEHD").And.Contain("HAXM"));
            }
            if (report.Facts.MacOS is not null)
            {
                Assert.That(text, Does.Contain("kern.hv_support").And.Contain("hv_vm_create"));
            }
        });
    }
}
