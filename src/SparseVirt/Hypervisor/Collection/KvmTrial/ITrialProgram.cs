namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// A trial guest program as the host sees it: its memory image, the result channels it reports through (I/O ports
/// on x86, addresses of an MMIO window on arm64, both called ports here) and how to check what it reports. The
/// same program runs on every hypervisor of its architecture (KVM and WHPX on x86-64, KVM and HVF on arm64), so
/// one <see cref="TrialRun"/> judges them all.
/// </summary>
internal interface ITrialProgram
{
    /// <summary>What the program runs, in words (the facts' <c>program</c>).</summary>
    string Description { get; }

    /// <summary>The architecture it is written for, as the facts name it (<c>x64</c>, <c>arm64</c>).</summary>
    string Architecture { get; }

    /// <summary>Bytes of guest memory, from guest-physical 0.</summary>
    int MemorySize { get; }

    /// <summary>Iterations of each timed loop round.</summary>
    int LoopIterations { get; }

    /// <summary>How many exits the program makes when it runs as written, its final one included.</summary>
    int ExitCount { get; }

    /// <summary>The port written several times in a row to time one exit.</summary>
    int ExitTimingPort { get; }

    /// <summary>The ports written just before and just after each timed loop round.</summary>
    int LoopStartPort { get; }

    /// <inheritdoc cref="LoopStartPort"/>
    int LoopEndPort { get; }

    /// <summary>The port of the last result: the final exit completes the trial only after it.</summary>
    int LastResultPort { get; }

    /// <summary>Writes the program and its data into zeroed guest memory of <see cref="MemorySize"/> bytes.</summary>
    void Load(Span<byte> memory);

    /// <summary>The stage a port belongs to.</summary>
    string StageOf(int port);

    /// <summary>Checks a result the guest reported: null when right, else what is wrong.</summary>
    string? CheckResult(int port, ulong value, ReadOnlySpan<byte> memory);

    /// <summary>The instruction at a guest address, for naming where a failure happened; null outside the code.</summary>
    string? InstructionAt(ulong guestAddress);
}
