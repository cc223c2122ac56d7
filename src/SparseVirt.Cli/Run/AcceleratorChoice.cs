using System.Runtime.InteropServices;
using SparseVirt.Cli.Infrastructure;
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

    /// <summary>
    /// <paramref name="definition"/> on the accelerator <c>--accel</c> asked for (<paramref name="choice"/>: auto, kvm
    /// or tcg), by the capability check's verdict; says on standard error what auto chose and why.
    /// </summary>
    /// <exception cref="InvalidOperationException">kvm was asked and the check finds that KVM cannot run a guest here.</exception>
    public static async Task<QemuMachineDefinition> ApplyAsync(VerbContext context, QemuMachineDefinition definition, string choice, CancellationToken cancellationToken)
    {
        if (choice == "tcg")
        {
            return definition.WithAccelerators(QemuAccelerator.Tcg);
        }
        HostVirtualizationReport report = await HostVirtualization.DetectAsync(cancellationToken).ConfigureAwait(false);
        if (choice == "kvm")
        {
            // Never wait in a guest that cannot boot: a KVM the check finds unable to run a guest fails here, at once.
            if (VerdictOn(report, Accelerator.Kvm) is not { IsUsable: true })
            {
                VirtualizationVerdict verdict = VerdictOn(report, Accelerator.Kvm)?.Verdict ?? report.Verdict;
                throw new InvalidOperationException(
                    $"--accel kvm: KVM cannot run this guest here ({verdict.Status}: {verdict.Reason}). Use --accel auto or tcg; 'sparsevirt check' says what to do.");
            }
            return definition.WithAccelerators(QemuAccelerator.Kvm);
        }

        QemuAccelerator best = Best(report);
        if (best != QemuAccelerator.Tcg)
        {
            string name = best.ToString().ToUpperInvariant();
            await context.Console.Error.WriteLineAsync($"{name}: ready; booting with {name}.").ConfigureAwait(false);
            return definition.WithAccelerators(best);
        }
        string own = report.Accelerators.Count > 0 ? report.Accelerators[0].Accelerator.ToString().ToUpperInvariant() : "KVM";
        await context.Console.Error.WriteLineAsync($"{own}: not available ({report.Verdict.Status}: {report.Verdict.Reason}); booting with TCG (software emulation, slower). Run 'sparsevirt check' for what to do.").ConfigureAwait(false);
        return definition.WithAccelerators(QemuAccelerator.Tcg);
    }
}
