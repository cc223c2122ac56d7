namespace SparseVirt.Hypervisor;

/// <summary>What Windows says (schema 2): version, processor features, the Hypervisor Platform, Hyper-V, VBS, drivers.</summary>
public sealed record WindowsFacts
{
    /// <summary>The Windows version (<c>10.0.22631</c>) as the runtime reads it (<c>RtlGetVersion</c>).</summary>
    public string? Version { get; init; }

    /// <summary>The build number (22631); the Windows Hypervisor Platform needs 17134 (version 1803) or later.</summary>
    public int? Build { get; init; }

    /// <summary>
    /// <c>IsProcessorFeaturePresent(PF_VIRT_FIRMWARE_ENABLED)</c> (21). It reads false whenever a hypervisor already
    /// runs (Hyper-V, VBS, or this is a VM), so false only means "disabled in firmware" on bare metal.
    /// </summary>
    public bool? VirtualizationFirmwareEnabled { get; init; }

    /// <summary><c>IsProcessorFeaturePresent(PF_SECOND_LEVEL_ADDRESS_TRANSLATION)</c> (20): EPT or RVI.</summary>
    public bool? SecondLevelAddressTranslation { get; init; }

    /// <summary><c>IsProcessorFeaturePresent(PF_NX_ENABLED)</c> (12): data execution prevention.</summary>
    public bool? NxEnabled { get; init; }

    /// <summary>The Windows Hypervisor Platform: its library, the hypervisor-present capability and a trial partition.</summary>
    public WindowsHypervisorPlatformFacts HypervisorPlatform { get; init => field = value ?? new(); } = new();

    /// <summary>
    /// Whether Hyper-V itself is installed: the Virtual Machine Management service key
    /// <c>HKLM\SYSTEM\CurrentControlSet\Services\vmms</c> exists. Null when the registry could not be read.
    /// </summary>
    public bool? HyperVInstalled { get; init; }

    /// <summary>
    /// Whether the hypervisor's boot service is installed (<c>...\Services\hvservice</c>): present with Hyper-V, the
    /// Windows Hypervisor Platform, Virtual Machine Platform, WSL2 or VBS.
    /// </summary>
    public bool? HypervisorServiceInstalled { get; init; }

    /// <summary>
    /// <c>HKLM\SYSTEM\CurrentControlSet\Control\DeviceGuard</c> <c>EnableVirtualizationBasedSecurity</c> (1 = on);
    /// null when the value is absent or unreadable. This is the configured state, read without WMI.
    /// </summary>
    public int? VirtualizationBasedSecurity { get; init; }

    /// <summary>
    /// Memory integrity (HVCI): <c>...\DeviceGuard\Scenarios\HypervisorEnforcedCodeIntegrity</c> <c>Enabled</c>
    /// (1 = on); null when absent or unreadable.
    /// </summary>
    public int? MemoryIntegrity { get; init; }

    /// <summary>Each registry mark of a pending reboot found (a feature change waits for one), as "where" lines.</summary>
    public IReadOnlyList<string> RebootPendingEvidence { get; init => field = value ?? []; } = [];

    /// <summary>True when any reboot-pending mark was found.</summary>
    public bool RebootPending => RebootPendingEvidence.Count > 0;

    /// <summary>The Android Emulator hypervisor driver (AEHD, <c>\\.\AEHD</c>, older <c>\\.\gvm</c>); retired at the end of 2026.</summary>
    public WindowsDriverFacts Aehd { get; init => field = value ?? new(); } = new();

    /// <summary>Intel HAXM (<c>\\.\HAX</c>); discontinued.</summary>
    public WindowsDriverFacts Haxm { get; init => field = value ?? new(); } = new();
}
