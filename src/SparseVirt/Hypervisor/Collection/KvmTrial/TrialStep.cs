namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>What a trial's run loop does after an exit.</summary>
internal enum TrialStep
{
    /// <summary>Enter the guest again.</summary>
    Enter,

    /// <summary>Enter it again without counting an exit (a signal for this thread, not ours: the guest did not exit).</summary>
    EnterAgain,

    /// <summary>Leave the loop, recording the timings so far.</summary>
    Finish,

    /// <summary>The trial's outcome is recorded.</summary>
    Done,
}
