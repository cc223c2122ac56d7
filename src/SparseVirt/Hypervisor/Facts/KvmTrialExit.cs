namespace SparseVirt.Hypervisor;

/// <summary>
/// One return of <c>KVM_RUN</c> (or <c>WHvRunVirtualProcessor</c>, <c>hv_vcpu_run</c>) during the trial: why the vCPU
/// stopped, where, and when. The reason is named in the hypervisor's own words.
/// </summary>
public sealed record KvmTrialExit
{
    /// <summary>
    /// The exit reason's name from linux/kvm.h without <c>KVM_EXIT_</c>, lower case (<c>io</c>, <c>mmio</c>, <c>hlt</c>,
    /// <c>internal_error</c>, <c>system_event</c>); for WHPX the <c>WHvRunVpExitReason</c> name without the prefix
    /// (<c>x64IoPortAccess</c>, <c>x64Halt</c>); for HVF <c>exception</c>, <c>canceled</c>; <c>error</c> when the run call itself failed.
    /// </summary>
    public string Reason { get; init => field = value ?? ""; } = "";

    /// <summary>The exit reason's number (<c>KVM_EXIT_*</c>); null when <c>KVM_RUN</c> failed.</summary>
    public int? ReasonCode { get; init; }

    /// <summary>The failed <c>KVM_RUN</c> call, when it failed.</summary>
    public SystemCallOutcome? RunError { get; init; }

    /// <summary>The part of the trial program the exit belongs to (<c>exit timing</c>, <c>loop</c>, <c>cpuid</c>, <c>lock cmpxchg16b</c>).</summary>
    public string? Stage { get; init; }

    /// <summary>The I/O port of a port-I/O exit; on arm64 the offset of the MMIO address in the program's result window.</summary>
    public int? Port { get; init; }

    /// <summary>The value the guest wrote to the port (a result it reports), for an output exit.</summary>
    public long? Value { get; init; }

    /// <summary>The suberror of <c>KVM_EXIT_INTERNAL_ERROR</c> (1: emulation failure, 2: simultaneous exceptions, 3: delivery event, 4: unexpected exit reason).</summary>
    public int? Suberror { get; init; }

    /// <summary>The extra data of an internal error (at most 16 words, as the kernel gives them).</summary>
    public IReadOnlyList<ulong>? Data { get; init; }

    /// <summary>The hardware reason of <c>KVM_EXIT_FAIL_ENTRY</c> or <c>KVM_EXIT_UNKNOWN</c>.</summary>
    public ulong? HardwareReason { get; init; }

    /// <summary>The guest-physical address of an MMIO exit or a data abort (arm64).</summary>
    public ulong? Address { get; init; }

    /// <summary>The exception syndrome (ESR) of an HVF exception exit, as <c>hv_vcpu_exit_t</c> gives it.</summary>
    public ulong? Syndrome { get; init; }

    /// <summary>The type of <c>KVM_EXIT_SYSTEM_EVENT</c> (1: shutdown, 2: reset, 3: crash).</summary>
    public int? SystemEventType { get; init; }

    /// <summary>The guest's instruction pointer (arm64: PC) after the exit, read when the exit is a failure.</summary>
    public ulong? GuestInstructionPointer { get; init; }

    /// <summary>Microseconds since the first <c>KVM_RUN</c>.</summary>
    public double AtMicroseconds { get; init; }
}
