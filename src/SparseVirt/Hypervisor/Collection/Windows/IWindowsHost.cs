namespace SparseVirt.Hypervisor.Collection.Windows;

/// <summary>
/// The Windows calls the collector makes, behind a seam so <see cref="WindowsFactsCollector"/>'s logic is tested on
/// any system with recorded answers; <see cref="WindowsHost"/> makes the real calls. No member throws: a failing
/// call is an outcome.
/// </summary>
internal interface IWindowsHost
{
    /// <summary>The Windows version (major.minor.build).</summary>
    Version? Version { get; }

    /// <summary><c>IsProcessorFeaturePresent</c>; null when the call could not be made.</summary>
    bool? IsProcessorFeaturePresent(int feature);

    /// <summary>Whether the key exists under HKEY_LOCAL_MACHINE (64-bit view); null when it could not be told.</summary>
    bool? KeyExists(string subKey);

    /// <summary>A REG_DWORD value under HKEY_LOCAL_MACHINE; null when absent, of another type or unreadable.</summary>
    int? ReadDword(string subKey, string valueName);

    /// <summary>Loads WinHvPlatform.dll from System32.</summary>
    SystemCallOutcome LoadHypervisorPlatform();

    /// <summary><c>WHvGetCapability(WHvCapabilityCodeHypervisorPresent)</c>; the value is the BOOL.</summary>
    SystemCallOutcome HypervisorPresent();

    /// <summary>Creates, configures (one processor), sets up and deletes a partition, stopping at the first failure.</summary>
    WindowsHypervisorPlatformFacts TrialPartition(WindowsHypervisorPlatformFacts soFar);

    /// <summary>Opens a driver device and, when it opened, sends the version ioctl (a 32-bit answer at <paramref name="versionOffset"/>).</summary>
    (SystemCallOutcome Open, SystemCallOutcome? Version) ProbeDevice(string devicePath, uint versionIoctl, int versionOutputSize, int versionOffset);
}
