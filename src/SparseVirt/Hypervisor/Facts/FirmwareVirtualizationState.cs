namespace SparseVirt.Hypervisor;

/// <summary>Whether firmware allows the CPU's virtualization extensions. Values are stable (JSON schema).</summary>
public enum FirmwareVirtualizationState
{
    /// <summary>Could not be read (reading the MSR needs root and the msr driver, and no kernel flag told).</summary>
    Unknown = 0,

    /// <summary>Firmware leaves virtualization usable.</summary>
    Enabled = 1,

    /// <summary>Firmware turned virtualization off and locked it (VMX off in IA32_FEATURE_CONTROL, or VM_CR.SVMDIS).</summary>
    Disabled = 2,

    /// <summary>Not meaningful here: no virtualization extension to enable, or not an x86 CPU.</summary>
    NotApplicable = 3,
}
