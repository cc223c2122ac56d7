using System.Runtime.InteropServices;
using SparseVirt.Hypervisor;
using SparseVirt.Qemu;

namespace SparseVirt.Cli.Run;

/// <summary>
/// The one place the capability check's verdict becomes QEMU's accelerator: the Hypervisor and Qemu areas do not
/// know each other, so the CLI, which composes them, owns this typed mapping.
/// </summary>
internal static class AcceleratorChoice
{
    /// <summary>QEMU's accelerator for a hardware accelerator the check judged, or null when QEMU has none for it here.</summary>
    public static QemuAccelerator? ToQemu(Accelerator accelerator) => accelerator switch
    {
        Accelerator.Kvm => QemuAccelerator.Kvm,
        Accelerator.Whpx => QemuAccelerator.Whpx,
        // Hypervisor.framework runs x86-64 guests only on an Intel Mac.
        Accelerator.Hvf when RuntimeInformation.OSArchitecture == Architecture.X64 => QemuAccelerator.Hvf,
        Accelerator.Tcg => QemuAccelerator.Tcg,
        // AEHD and HAXM are the Android Emulator's drivers; QEMU has no accelerator for them.
        _ => null,
    };

    /// <summary>The best accelerator QEMU can use by the report: its usable hardware accelerator, else TCG.</summary>
    public static QemuAccelerator Best(HostVirtualizationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (AcceleratorVerdict verdict in report.Accelerators)
        {
            if (verdict.IsUsable && verdict.Accelerator != Accelerator.Tcg && ToQemu(verdict.Accelerator) is { } usable)
            {
                return usable;
            }
        }
        return QemuAccelerator.Tcg;
    }

    /// <summary>The verdict on one accelerator, or null when the report does not judge it (KVM on Windows).</summary>
    public static AcceleratorVerdict? VerdictOn(HostVirtualizationReport report, Accelerator accelerator) =>
        report.Accelerators.FirstOrDefault(verdict => verdict.Accelerator == accelerator);
}
