namespace SparseVirt.Hypervisor;

/// <summary>
/// What a trial guest did (schema 3): after <c>KVM_CREATE_VM</c> succeeds, the probe gives the VM a little memory
/// and one vCPU and runs a short program in the mode a kernel runs in (x86-64: long mode with paging, CPL 0; arm64:
/// EL1). Creating a VM proves only that the device answers; this proves that a guest runs, and how fast. The same
/// shape holds the trials of the Windows Hypervisor Platform (<see cref="WindowsHypervisorPlatformFacts.Trial"/>) and
/// of Hypervisor.framework (<see cref="MacOSFacts.Trial"/>).
/// </summary>
public sealed record KvmTrialFacts
{
    /// <summary>False where no trial guest exists for this architecture (<see cref="NotSupportedReason"/> says why).</summary>
    public bool Supported { get; init; }

    /// <summary>Why no trial ran on this architecture, when <see cref="Supported"/> is false.</summary>
    public string? NotSupportedReason { get; init; }

    /// <summary>The architecture of the trial program (<c>x64</c>, <c>arm64</c>); null in facts recorded before it was named (x64).</summary>
    public string? Architecture { get; init; }

    /// <summary>What the trial guest runs, in words.</summary>
    public string? Program { get; init; }

    /// <summary>The set-up calls in order (memory region, vCPU, run area, CPUID, registers), each with its outcome.</summary>
    public IReadOnlyList<KvmTrialStep> Steps { get; init => field = value ?? []; } = [];

    /// <summary>Every exit of <c>KVM_RUN</c> (<c>WHvRunVirtualProcessor</c>, <c>hv_vcpu_run</c>), in order (at most a few dozen: the program is fixed).</summary>
    public IReadOnlyList<KvmTrialExit> Exits { get; init => field = value ?? []; } = [];

    /// <summary>True when the guest reached its final exit (x86-64: <c>HLT</c>; arm64: PSCI <c>SYSTEM_OFF</c>) with every result it reported correct.</summary>
    public bool Completed { get; init; }

    /// <summary>The instruction or step the trial failed at (<c>lock cmpxchg16b</c>, <c>KVM_SET_SREGS</c>), when it failed.</summary>
    public string? FailedAt { get; init; }

    /// <summary>One line on how the trial failed (an exit reason and its details, a wrong result, a time-out).</summary>
    public string? Failure { get; init; }

    /// <summary>True when the trial did not finish by its deadline (<see cref="DeadlineMilliseconds"/>) and was stopped.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The deadline the vCPU ran under, in milliseconds.</summary>
    public double DeadlineMilliseconds { get; init; }

    /// <summary>The cost of one port-I/O (arm64: MMIO) exit and re-entry, the fastest of several, in microseconds.</summary>
    public double? ExitMicroseconds { get; init; }

    /// <summary>Iterations of the guest's <c>dec</c>/<c>jnz</c> (arm64: <c>subs</c>/<c>b.ne</c>) loop per round.</summary>
    public int LoopIterations { get; init; }

    /// <summary>
    /// Nanoseconds per loop iteration, the fastest round, less one exit's cost: below a nanosecond on hardware
    /// virtualization, about a thousand where the host emulates the guest's instructions.
    /// </summary>
    public double? LoopNanosecondsPerIteration { get; init; }

    /// <summary>Time from the first <c>KVM_RUN</c> to the last exit, in milliseconds.</summary>
    public double? RunMilliseconds { get; init; }
}
