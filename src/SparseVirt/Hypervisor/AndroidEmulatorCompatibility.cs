using System.Globalization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// Maps verdicts to the Android Emulator's acceleration check codes (<see cref="AndroidCpuAcceleration"/>), so
/// <c>sparsevirt check --emulator</c> can stand in for <c>emulator -accel-check</c> in IDEs and CI scripts.
/// </summary>
public static class AndroidEmulatorCompatibility
{
    /// <summary>
    /// The emulator's answer for these verdicts: <c>READY</c> with the usable accelerator when any hardware
    /// accelerator (KVM, WHPX, HVF, AEHD, HAXM) is usable, otherwise the code closest to why the system's own
    /// accelerator is not.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static AndroidEmulatorCheck Check(HostFacts facts, IReadOnlyList<AcceleratorVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(verdicts);
        AcceleratorVerdict? usable = verdicts.FirstOrDefault(verdict => verdict.IsUsable && verdict.Accelerator != Accelerator.Tcg);
        if (usable is not null)
        {
            return new AndroidEmulatorCheck { Code = AndroidCpuAcceleration.Ready, Text = ReadyText(facts, usable.Accelerator), Accelerator = usable.Accelerator };
        }
        AcceleratorVerdict? primary = verdicts.FirstOrDefault(verdict => verdict.Accelerator != Accelerator.Tcg);
        if (primary is null)
        {
            return new AndroidEmulatorCheck { Code = AndroidCpuAcceleration.AccelNotInstalled, Text = "No hardware accelerator applies to this system." };
        }
        return new AndroidEmulatorCheck { Code = CodeFor(facts, primary), Text = primary.Verdict.Reason, Accelerator = primary.Accelerator };
    }

    /// <summary>The emulator's code for one accelerator's verdict.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static AndroidCpuAcceleration CodeFor(HostFacts facts, AcceleratorVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(verdict);
        return verdict.Verdict.Status switch
        {
            VirtualizationStatus.Ready => AndroidCpuAcceleration.Ready,
            VirtualizationStatus.NoCpuSupport when verdict.Accelerator == Accelerator.Haxm && facts.Cpu is { IsIntel: false } => AndroidCpuAcceleration.IntelRequired,
            VirtualizationStatus.NoCpuSupport when facts.Windows?.NxEnabled == false => AndroidCpuAcceleration.NoCpuNxSupport,
            VirtualizationStatus.NoCpuSupport or VirtualizationStatus.RunningUnderRosetta => AndroidCpuAcceleration.NoCpuSupport,
            VirtualizationStatus.DisabledInFirmware => AndroidCpuAcceleration.VtDisabled,
            VirtualizationStatus.ModuleNotLoaded or VirtualizationStatus.DeviceMissing or VirtualizationStatus.ContainerWithoutDevice => AndroidCpuAcceleration.DevNotFound,
            VirtualizationStatus.PermissionDenied or VirtualizationStatus.EntitlementMissing => AndroidCpuAcceleration.DevPermission,
            VirtualizationStatus.DeviceBusy or VirtualizationStatus.NotAKvmDevice or VirtualizationStatus.CreateVmFailed => AndroidCpuAcceleration.DevIoctlFailed,
            VirtualizationStatus.ApiVersionMismatch => AndroidCpuAcceleration.DevObsolete,
            VirtualizationStatus.NestedVirtualizationUnavailable => AndroidCpuAcceleration.NestedNotSupported,
            // A KVM that opens but cannot run a standard guest: inside a VM (PVM, or any guest whose CPU shows no
            // VT-x/AMD-V) that is nested virtualization the emulator cannot use; on bare metal the device failed a request.
            VirtualizationStatus.GuestCannotRun or VirtualizationStatus.EmulatedOnly
                when RunsNested(facts) => AndroidCpuAcceleration.NestedNotSupported,
            VirtualizationStatus.GuestCannotRun or VirtualizationStatus.EmulatedOnly => AndroidCpuAcceleration.DevIoctlFailed,
            VirtualizationStatus.ProbeFailed => AndroidCpuAcceleration.DevOpenFailed,
            VirtualizationStatus.UnsupportedOperatingSystem or VirtualizationStatus.HypervisorPlatformDisabled or VirtualizationStatus.HypervisorNotRunning
                or VirtualizationStatus.RebootPending or VirtualizationStatus.AcceleratorNotInstalled => AndroidCpuAcceleration.AccelNotInstalled,
            VirtualizationStatus.HyperVOwnsVirtualization or VirtualizationStatus.VirtualizationBasedSecurityActive => AndroidCpuAcceleration.HyperVEnabled,
            _ => AndroidCpuAcceleration.Error,
        };
    }

    private static string ReadyText(HostFacts facts, Accelerator accelerator) => accelerator switch
    {
        Accelerator.Kvm => $"KVM (version {Number(facts.Kvm.ApiVersion?.Value) ?? "12"}) is installed and usable.",
        Accelerator.Whpx => $"WHPX ({facts.Windows?.Version ?? "Windows"}) is installed and usable.",
        Accelerator.Hvf => $"Hypervisor.framework (macOS {facts.MacOS?.ProductVersion ?? "version unknown"}) is installed and usable.",
        Accelerator.Aehd => $"AEHD (version {Number(facts.Windows?.Aehd.Version?.Value) ?? "unknown"}) is installed and usable.",
        _ => $"HAXM version {Number(facts.Windows?.Haxm.Version?.Value) ?? "unknown"} is installed and usable.",
    };

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    // Inside a VM: PVM, a CPU that reports a hypervisor (except Hyper-V's root partition, which is Windows on bare
    // metal with Hyper-V on), or a Mac that is itself a virtual machine.
    private static bool RunsNested(HostFacts facts) =>
        facts.Kernel.HasModule(VirtualizationJudge.PvmModule)
        || facts.Cpu is { HypervisorPresent: true, HyperVRootPartition: not true }
        || facts.MacOS?.VirtualMachine is { Succeeded: true, Value: 1 };
}
