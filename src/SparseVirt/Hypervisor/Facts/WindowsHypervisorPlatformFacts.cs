namespace SparseVirt.Hypervisor;

/// <summary>
/// The Windows Hypervisor Platform (WHPX) probe: load WinHvPlatform.dll, ask whether the hypervisor is present, then
/// create, set up and delete a trial partition (the counterpart of a trial <c>KVM_CREATE_VM</c>). Each step is null
/// when not attempted because an earlier one failed.
/// </summary>
public sealed record WindowsHypervisorPlatformFacts
{
    /// <summary>Loading <c>WinHvPlatform.dll</c> from System32; <c>notFound</c> when the feature is off.</summary>
    public SystemCallOutcome? LibraryLoad { get; init; }

    /// <summary><c>WHvGetCapability(WHvCapabilityCodeHypervisorPresent)</c>; <c>value</c> is 1 when the hypervisor runs.</summary>
    public SystemCallOutcome? HypervisorPresent { get; init; }

    /// <summary><c>WHvCreatePartition</c>.</summary>
    public SystemCallOutcome? CreatePartition { get; init; }

    /// <summary><c>WHvSetPartitionProperty(WHvPartitionPropertyCodeProcessorCount, 1)</c>.</summary>
    public SystemCallOutcome? SetProcessorCount { get; init; }

    /// <summary><c>WHvSetupPartition</c>: where the hypervisor actually creates the partition; the trial guest then decides.</summary>
    public SystemCallOutcome? SetupPartition { get; init; }

    /// <summary>
    /// The trial guest run on the set-up partition (schema 3): the x86-64 program of the KVM trial, in long mode set
    /// through <c>WHvSetVirtualProcessorRegisters</c>, run with <c>WHvRunVirtualProcessor</c>. Null when the partition
    /// was not set up, and in facts recorded before the trial existed.
    /// </summary>
    public KvmTrialFacts? Trial { get; init; }

    /// <summary><c>WHvDeletePartition</c> of the trial partition.</summary>
    public SystemCallOutcome? DeletePartition { get; init; }
}
