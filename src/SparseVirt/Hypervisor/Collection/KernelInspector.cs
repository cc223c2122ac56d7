using System.Globalization;
using Microsoft.Extensions.Logging;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>Reads the kernel's side: KVM modules in /sys/module, the CPU flags in /proc/cpuinfo, and the firmware MSR.</summary>
/// <param name="paths">Where /proc and /sys are.</param>
/// <param name="msrDevicePath">The msr driver's device for CPU 0, or null not to read the firmware MSR at all.</param>
/// <param name="logger">Receives probe details.</param>
internal sealed class KernelInspector(HostPaths paths, string? msrDevicePath, ILogger logger)
{
    private const long IntelFeatureControlMsr = 0x3A;          // IA32_FEATURE_CONTROL
    private const ulong FeatureControlLocked = 1UL << 0;
    private const ulong FeatureControlVmxOutsideSmx = 1UL << 2;
    private const long AmdVmCrMsr = 0xC0010114;                // VM_CR
    private const ulong VmCrSvmDisabled = 1UL << 4;

    public KernelFacts Inspect(CpuFacts? cpu, string? kernelRelease)
    {
        (bool? vmxFlag, bool? svmFlag) = ReadCpuInfoFlags();
        (FirmwareVirtualizationState firmware, string evidence) = ReadFirmware(cpu, vmxFlag, kernelRelease);
        return new KernelFacts
        {
            Modules = ReadModules(),
            CpuInfoVmx = vmxFlag,
            CpuInfoSvm = svmFlag,
            Firmware = firmware,
            FirmwareEvidence = evidence,
        };
    }

    internal List<KernelModuleFact> ReadModules()
    {
        var modules = new List<KernelModuleFact>();
        string moduleRoot = paths.Resolve("/sys/module");
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(moduleRoot, "kvm*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return modules;
        }
        foreach (string folder in folders)
        {
            string name = Path.GetFileName(folder);
            if (name != "kvm" && !name.StartsWith("kvm_", StringComparison.Ordinal))
            {
                continue;
            }
            // Only loadable modules have initstate; a built-in KVM shows just its parameters.
            string? state = BoundedText.ReadLineOrNull(Path.Join(folder, "initstate"));
            modules.Add(new KernelModuleFact
            {
                Name = name,
                BuiltIn = state is null,
                State = state,
                Nested = BoundedText.ReadLineOrNull(Path.Join(folder, "parameters", "nested")),
            });
        }
        modules.Sort((left, right) => string.CompareOrdinal(left.Name, right.Name));
        return modules;
    }

    internal (bool? Vmx, bool? Svm) ReadCpuInfoFlags()
    {
        foreach (string line in BoundedText.ReadLines(paths.Resolve("/proc/cpuinfo")))
        {
            // x86 lists "flags : ..."; the first processor's line is representative.
            if (line.StartsWith("flags", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
            {
                string[] flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return (flags.Contains("vmx"), flags.Contains("svm"));
            }
        }
        return (null, null);
    }

    private (FirmwareVirtualizationState, string) ReadFirmware(CpuFacts? cpu, bool? cpuInfoVmx, string? kernelRelease)
    {
        if (cpu is null)
        {
            return (FirmwareVirtualizationState.NotApplicable, "not an x86 CPU: there is no VT-x/AMD-V firmware switch to read");
        }
        if (!cpu.HasVirtualizationExtensions)
        {
            return (FirmwareVirtualizationState.NotApplicable, "the CPU advertises neither VMX nor SVM, so there is nothing for firmware to enable");
        }

        bool intel = cpu.Vmx && !cpu.Svm;
        long msr = intel ? IntelFeatureControlMsr : AmdVmCrMsr;
        string msrName = intel ? "IA32_FEATURE_CONTROL (0x3A)" : "VM_CR (0xC0010114)";
        (ulong? value, SystemCallOutcome? outcome) = msrDevicePath is null ? (null, null) : ReadMsr(msrDevicePath, msr);
        if (value is { } bits)
        {
            string hex = "0x" + bits.ToString("X", CultureInfo.InvariantCulture);
            if (intel)
            {
                bool locked = (bits & FeatureControlLocked) != 0;
                bool vmxAllowed = (bits & FeatureControlVmxOutsideSmx) != 0;
                return locked && !vmxAllowed
                    ? (FirmwareVirtualizationState.Disabled, $"{msrName} = {hex}: locked with VMX outside SMX off")
                    : (FirmwareVirtualizationState.Enabled, $"{msrName} = {hex}: {(locked ? "locked with VMX allowed" : "unlocked, so the kernel may enable VMX")}");
            }
            return (bits & VmCrSvmDisabled) != 0
                ? (FirmwareVirtualizationState.Disabled, $"{msrName} = {hex}: SVMDIS set")
                : (FirmwareVirtualizationState.Enabled, $"{msrName} = {hex}: SVMDIS clear");
        }

        string why;
        if (msrDevicePath is null || outcome is null)
        {
            why = $"{msrName} not read (turned off in the options)";
        }
        else
        {
            HypervisorLog.MsrUnreadable(logger, msrDevicePath, outcome.ToString());
            why = $"{msrName} unreadable through {msrDevicePath}: {outcome} (reading MSRs needs root and the msr driver)";
        }
        // Since Linux 5.6 the kernel drops "vmx" from /proc/cpuinfo when firmware locked VT-x off, which tells the
        // firmware setting without root. In a guest the flag can be missing for other reasons, so it is not used there.
        if (intel && cpuInfoVmx is { } kernelKeptVmx && !cpu.HypervisorPresent && KernelAtLeast(kernelRelease, 5, 6))
        {
            return kernelKeptVmx
                ? (FirmwareVirtualizationState.Enabled, why + "; the kernel kept the vmx flag in /proc/cpuinfo, so firmware allows VT-x")
                : (FirmwareVirtualizationState.Disabled, why + "; CPUID reports VMX but the kernel removed the vmx flag from /proc/cpuinfo, as it does when firmware locked VT-x off");
        }
        return (FirmwareVirtualizationState.Unknown, why);
    }

    private static unsafe (ulong? Value, SystemCallOutcome Outcome) ReadMsr(string devicePath, long msr)
    {
        using SafeFileDescriptorHandle device = SafeFileDescriptorHandle.Open(devicePath, Libc.OpenReadOnly | Libc.OpenCloseOnExec);
        if (device.IsInvalid)
        {
            return (null, SystemCallResults.FromLastError());
        }
        ulong value;
        nint read = Libc.PRead(device, &value, sizeof(ulong), msr);
        if (read != sizeof(ulong))
        {
            return (null, read < 0 ? SystemCallResults.FromLastError() : SystemCallResults.FromErrno(Errno.EIO));
        }
        return (value, SystemCallOutcome.Success());
    }

    internal static bool KernelAtLeast(string? release, int major, int minor)
    {
        if (release is null)
        {
            return false;
        }
        string[] parts = release.Split('.', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int actualMajor))
        {
            return false;
        }
        string minorDigits = new(parts[1].TakeWhile(char.IsAsciiDigit).ToArray());
        if (!int.TryParse(minorDigits, NumberStyles.None, CultureInfo.InvariantCulture, out int actualMinor))
        {
            return false;
        }
        return actualMajor > major || (actualMajor == major && actualMinor >= minor);
    }
}
