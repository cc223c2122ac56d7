namespace SparseVirt.Qemu;

/// <summary>
/// The virtual machine stopped by itself in a run state it cannot leave: <c>internal-error</c>, where the accelerator
/// failed to run the guest (KVM prints <c>KVM internal error</c>, as on a PVM host whose KVM cannot emulate an
/// instruction), or <c>guest-panicked</c>. Thrown by <see cref="QemuMachine.WaitForGuestAsync"/>; QEMU still runs,
/// stopped, until the machine is stopped or disposed.
/// </summary>
public sealed class QemuGuestStoppedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QemuGuestStoppedException(string message, string runState, QemuAccelerator accelerator, string standardErrorTail)
        : base(message)
    {
        RunState = runState;
        Accelerator = accelerator;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>Creates the exception.</summary>
    public QemuGuestStoppedException()
        : this("The virtual machine stopped by itself.", "", QemuAccelerator.Tcg, "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuGuestStoppedException(string message)
        : this(message, "", QemuAccelerator.Tcg, "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuGuestStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
        RunState = "";
        StandardErrorTail = "";
    }

    /// <summary>QEMU's run state (<c>query-status</c>): <see cref="InternalErrorRunState"/> or <see cref="GuestPanickedRunState"/>.</summary>
    public string RunState { get; }

    /// <summary>The accelerator the machine ran on when it stopped.</summary>
    public QemuAccelerator Accelerator { get; }

    /// <summary>The last lines QEMU wrote to stderr (for an accelerator failure, its register dump and reason).</summary>
    public string StandardErrorTail { get; }

    /// <summary>True when the accelerator failed (<see cref="InternalErrorRunState"/>): the same guest may run on another one.</summary>
    public bool IsAcceleratorFailure => RunState == InternalErrorRunState;

    /// <summary>The run state of an accelerator that failed to run the guest.</summary>
    public const string InternalErrorRunState = "internal-error";

    /// <summary>The run state of a guest that reported a panic (pvpanic, Hyper-V crash MSRs) with QEMU's panic action <c>pause</c>.</summary>
    public const string GuestPanickedRunState = "guest-panicked";
}
