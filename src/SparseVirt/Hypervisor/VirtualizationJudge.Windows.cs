namespace SparseVirt.Hypervisor;

public static partial class VirtualizationJudge
{
    // The Windows Hypervisor Platform API appeared in Windows 10 version 1803.
    private const int FirstHypervisorPlatformBuild = 17134;

    private const string EnableHypervisorPlatform =
        "As administrator, turn on the Windows Hypervisor Platform: Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform " +
        "(or dism /online /enable-feature /featurename:HypervisorPlatform /all, or 'Windows Hypervisor Platform' in optionalfeatures.exe), then restart Windows.";

    private const string UpdateWindows = "Update Windows to version 1803 (build 17134) or later (Settings > Windows Update); the Windows Hypervisor Platform does not exist before it.";

    private const string UseHypervisorPlatformInstead =
        "Use the Windows Hypervisor Platform instead, which works alongside Hyper-V, WSL2 and memory integrity: as administrator, " +
        "Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform, then restart Windows; the Android Emulator and QEMU (-accel whpx) use it.";

    private const string WindowsHypervisorLog =
        "Look for the hypervisor's explanation in Event Viewer (Applications and Services Logs > Microsoft > Windows > Hyper-V-Hypervisor), " +
        "and update Windows, whose hypervisor failed a guest that hardware virtualization runs.";

    private static VirtualizationVerdict JudgeWhpx(HostFacts facts, WindowsFacts windows)
    {
        WindowsHypervisorPlatformFacts platform = windows.HypervisorPlatform;
        CpuFacts? cpu = facts.Cpu;

        if (platform.SetupPartition?.Succeeded == true)
        {
            string nested = cpu is { HypervisorPresent: true } && cpu.HyperVRootPartition != true ? $" (nested, inside a {GuestOf(cpu)} guest)" : "";
            return JudgeTrial(
                facts,
                platform.Trial,
                new TrialPlace($"WHvSetupPartition created a trial partition{nested}", $"on the Windows Hypervisor Platform{nested}", "WHvSetupPartition", WindowsHypervisorLog),
                backend: null);
        }

        if (cpu is { HypervisorPresent: false } && JudgeBareMetalCpu(cpu, windows) is { } cpuVerdict)
        {
            return cpuVerdict;
        }

        if (platform.LibraryLoad is not { Succeeded: true } load)
        {
            return JudgeMissingPlatform(facts, windows, platform.LibraryLoad);
        }
        if (windows.Build is < FirstHypervisorPlatformBuild)
        {
            return Verdict(
                VirtualizationStatus.UnsupportedOperatingSystem,
                $"Windows build {windows.Build} predates the Windows Hypervisor Platform (Windows 10 version 1803, build {FirstHypervisorPlatformBuild})",
                [UpdateWindows]);
        }
        if (platform.HypervisorPresent is not { Succeeded: true } present)
        {
            return Verdict(
                VirtualizationStatus.ProbeFailed,
                $"WinHvPlatform.dll loads ({load}) but WHvGetCapability(WHvCapabilityCodeHypervisorPresent) failed with {platform.HypervisorPresent?.ToString() ?? "no answer"}",
                ["Repair the feature: as administrator, Disable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform, restart, then Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform and restart again."]);
        }
        if (present.Value is 0 or null)
        {
            return JudgeHypervisorNotRunning(facts, windows);
        }
        return JudgeFailedPartition(facts, platform);
    }

    // What a CPU on bare metal lacks; null when it has all the platform needs.
    private static VirtualizationVerdict? JudgeBareMetalCpu(CpuFacts cpu, WindowsFacts windows)
    {
        if (!cpu.HasVirtualizationExtensions)
        {
            return Verdict(
                VirtualizationStatus.NoCpuSupport,
                $"the {CpuName(cpu)} CPU ({cpu.BrandString ?? "unknown model"}) has neither Intel VT-x nor AMD-V, which the Windows Hypervisor Platform needs",
                ["Use a machine whose CPU supports hardware virtualization.", "Without it, QEMU can still emulate (-accel tcg), many times slower."]);
        }
        // PF_VIRT_FIRMWARE_ENABLED reads false whenever a hypervisor runs, so it only speaks on bare metal.
        if (windows.VirtualizationFirmwareEnabled == false)
        {
            return Verdict(
                VirtualizationStatus.DisabledInFirmware,
                $"the CPU has {Extension(cpu)} but firmware disabled it (IsProcessorFeaturePresent(PF_VIRT_FIRMWARE_ENABLED) is false and no hypervisor runs)",
                [
                    $"Restart into the firmware setup (Settings > System > Recovery > Advanced startup > Restart now > Troubleshoot > Advanced options > UEFI Firmware Settings) and enable {(cpu.Svm ? "'SVM Mode' (AMD-V)" : "'Intel Virtualization Technology' (VT-x)")}, save, then start Windows.",
                    "Task Manager > Performance > CPU then shows 'Virtualization: Enabled'.",
                ]);
        }
        if (windows.SecondLevelAddressTranslation == false)
        {
            return Verdict(
                VirtualizationStatus.NoCpuSupport,
                $"the CPU has {Extension(cpu)} but no second-level address translation (EPT/RVI; IsProcessorFeaturePresent(PF_SECOND_LEVEL_ADDRESS_TRANSLATION) is false), which the Windows Hypervisor Platform needs",
                ["Use a machine whose CPU has EPT (Intel) or RVI (AMD); QEMU can still emulate (-accel tcg)."]);
        }
        return null;
    }

    private static VirtualizationVerdict JudgeMissingPlatform(HostFacts facts, WindowsFacts windows, SystemCallOutcome? load)
    {
        CpuFacts? cpu = facts.Cpu;
        if (load is { Error: not SystemCallError.NotFound })
        {
            return Verdict(
                VirtualizationStatus.ProbeFailed,
                $"WinHvPlatform.dll could not be loaded: {load}",
                ["Repair the feature: as administrator, Disable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform, restart, then enable it again and restart.", "Check the system files: sfc /scannow (as administrator)."]);
        }
        if (windows.RebootPending)
        {
            return Verdict(
                VirtualizationStatus.RebootPending,
                $"WinHvPlatform.dll is missing and Windows waits for a reboot ({string.Join(", ", windows.RebootPendingEvidence)}): a feature turned on completes only then",
                ["Restart Windows (Restart-Computer), then run the check again.", EnableHypervisorPlatform]);
        }

        var steps = new List<string>();
        string tooOld = "";
        if (windows.Build is < FirstHypervisorPlatformBuild)
        {
            tooOld = $"; besides, Windows build {windows.Build} predates the platform (build {FirstHypervisorPlatformBuild}, version 1803)";
            steps.Add(UpdateWindows);
        }
        steps.Add(EnableHypervisorPlatform);
        string guest = "";
        if (cpu is { HypervisorPresent: true } && cpu.HyperVRootPartition != true)
        {
            guest = cpu.HasVirtualizationExtensions
                ? $"; this is a guest of {GuestOf(cpu)} (hypervisor signature '{cpu.HypervisorSignature}') whose virtual CPU exposes {Extension(cpu)}"
                : $"; this is a guest of {GuestOf(cpu)} (hypervisor signature '{cpu.HypervisorSignature}') whose virtual CPU exposes neither VT-x nor AMD-V, so nested virtualization must be turned on too";
            if (!cpu.HasVirtualizationExtensions)
            {
                steps.AddRange(NestedRemediation(cpu, facts.Environment));
            }
        }
        return Verdict(
            VirtualizationStatus.HypervisorPlatformDisabled,
            $"WHPX is unavailable: WinHvPlatform.dll is missing ({load?.ToString() ?? "not loaded"}), so the Windows Hypervisor Platform feature is off{tooOld}{guest}",
            steps);
    }

    private static VirtualizationVerdict JudgeHypervisorNotRunning(HostFacts facts, WindowsFacts windows)
    {
        CpuFacts? cpu = facts.Cpu;
        const string NotPresent = "WinHvPlatform.dll is present but WHvGetCapability says no hypervisor runs";
        if (IsGuestWithoutExtensions(cpu))
        {
            return Verdict(
                VirtualizationStatus.NestedVirtualizationUnavailable,
                $"{NotPresent}: this is a guest of {GuestOf(cpu!)} whose virtual {CpuName(cpu!)} CPU exposes neither VT-x nor AMD-V, so nested virtualization is off",
                NestedRemediation(cpu!, facts.Environment));
        }
        if (windows.RebootPending)
        {
            return Verdict(
                VirtualizationStatus.RebootPending,
                $"{NotPresent}, and Windows waits for a reboot ({string.Join(", ", windows.RebootPendingEvidence)}): the hypervisor starts at the next boot",
                ["Restart Windows (Restart-Computer), then run the check again."]);
        }
        return Verdict(
            VirtualizationStatus.HypervisorNotRunning,
            $"{NotPresent}: the hypervisor was not launched at boot",
            [
                "As administrator: bcdedit /set hypervisorlaunchtype auto, then restart Windows (it is set to off when VirtualBox, VMware or HAXM were made to work alone).",
                "If it still does not start, enable virtualization in the firmware setup: Task Manager > Performance > CPU must show 'Virtualization: Enabled'.",
            ]);
    }

    private static VirtualizationVerdict JudgeFailedPartition(HostFacts facts, WindowsHypervisorPlatformFacts platform)
    {
        (string call, SystemCallOutcome? failed) =
            platform.CreatePartition is not { Succeeded: true } ? ("WHvCreatePartition", platform.CreatePartition)
            : platform.SetProcessorCount is not { Succeeded: true } ? ("WHvSetPartitionProperty(ProcessorCount)", platform.SetProcessorCount)
            : ("WHvSetupPartition", platform.SetupPartition);
        string outcome = failed?.ToString() ?? "not attempted";
        if (failed?.Error == SystemCallError.AccessDenied)
        {
            return Verdict(
                VirtualizationStatus.PermissionDenied,
                $"the hypervisor runs, but {call} was refused with {outcome}",
                ["Run the program outside a sandbox (an AppContainer or a restricted service account cannot create partitions), or as a member of the Hyper-V Administrators group."]);
        }
        if (IsGuestWithoutExtensions(facts.Cpu))
        {
            return Verdict(
                VirtualizationStatus.NestedVirtualizationUnavailable,
                $"{call} failed with {outcome}: this is a guest of {GuestOf(facts.Cpu!)} without nested virtualization",
                NestedRemediation(facts.Cpu!, facts.Environment));
        }
        return Verdict(
            VirtualizationStatus.CreateVmFailed,
            $"the hypervisor runs, but the trial partition failed: {call} returned {outcome}",
            [
                "Look for the hypervisor's explanation in Event Viewer > Applications and Services Logs > Microsoft > Windows > Hyper-V-Hypervisor.",
                "Restart Windows and retry; if it persists, turn the Windows Hypervisor Platform off and on again (Disable-/Enable-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform).",
            ]);
    }

    private static VirtualizationVerdict JudgeWindowsDriver(HostFacts facts, WindowsFacts windows, Accelerator accelerator)
    {
        bool aehd = accelerator == Accelerator.Aehd;
        WindowsDriverFacts driver = aehd ? windows.Aehd : windows.Haxm;
        string name = aehd ? "AEHD" : "HAXM";
        string service = aehd ? "aehd" : "IntelHaxm";
        string retired = aehd
            ? "the Android Emulator hypervisor driver is retired at the end of 2026"
            : "Intel discontinued HAXM in 2023 and current Android Emulator versions no longer use it";
        CpuFacts? cpu = facts.Cpu;

        if (driver.Open?.Succeeded == true)
        {
            if (driver.Version is { Succeeded: false } version)
            {
                return Verdict(VirtualizationStatus.CreateVmFailed, $"{driver.DevicePath} opens but {name}'s version request failed with {version}", [UseHypervisorPlatformInstead]);
            }
            string number = driver.Version?.Value is { } value ? $" (version {value})" : "";
            return Verdict(VirtualizationStatus.Ready, $"{name}{number} answers on {driver.DevicePath}, but {retired}", [UseHypervisorPlatformInstead]);
        }
        if (!aehd && cpu is { IsIntel: false, Vendor.Length: > 0 })
        {
            return Verdict(VirtualizationStatus.NoCpuSupport, $"HAXM needs an Intel CPU; this one is {cpu.Vendor}, and {retired}", [UseHypervisorPlatformInstead]);
        }
        bool installed = driver.ServiceInstalled == true || driver.Open?.Error is not (SystemCallError.NotFound or null);
        if (!installed)
        {
            return Verdict(
                VirtualizationStatus.AcceleratorNotInstalled,
                $"{name} is not installed (no {driver.DevicePath ?? "device"}, no {service} service); {retired}",
                [UseHypervisorPlatformInstead]);
        }
        if (cpu is { Hypervisor: HypervisorVendor.HyperV, HyperVRootPartition: true })
        {
            bool vbs = windows.HyperVInstalled != true && (windows.VirtualizationBasedSecurity == 1 || windows.MemoryIntegrity == 1);
            return vbs
                ? Verdict(
                    VirtualizationStatus.VirtualizationBasedSecurityActive,
                    $"{name} cannot start: virtualization-based security{(windows.MemoryIntegrity == 1 ? " (memory integrity)" : "")} keeps Microsoft's hypervisor running, which owns VT-x/AMD-V; {retired}",
                    [UseHypervisorPlatformInstead])
                : Verdict(
                    VirtualizationStatus.HyperVOwnsVirtualization,
                    $"{name} cannot start: Hyper-V's hypervisor runs (this is its root partition) and owns VT-x/AMD-V; {retired}",
                    [UseHypervisorPlatformInstead]);
        }
        SystemCallOutcome? open = driver.Open;
        return open?.Error == SystemCallError.AccessDenied
            ? Verdict(VirtualizationStatus.PermissionDenied, $"opening {driver.DevicePath} was refused with {open}; {retired}", [UseHypervisorPlatformInstead])
            : Verdict(
                VirtualizationStatus.ProbeFailed,
                $"the {service} service is installed but {driver.DevicePath} does not open ({open?.ToString() ?? "not attempted"}): the driver is not running; {retired}",
                [UseHypervisorPlatformInstead]);
    }
}
