namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Runs a trial guest on a thread of its own and waits for it no longer than a deadline. No signal handler and no
/// child process: the check runs inside other programs' processes (installers, and through the C interface non-.NET
/// hosts). At the deadline the trial is asked to stop in its hypervisor's way (KVM's <c>immediate_exit</c>,
/// <c>WHvCancelRunVirtualProcessor</c>, <c>hv_vcpus_exit</c>); a guest that never exits again would keep its thread,
/// which then frees what it holds whenever the hypervisor returns, while the caller goes on with the facts so far.
/// </summary>
internal static class TrialThread
{
    /// <summary>
    /// How long the trial may run. Hardware virtualization runs it in well under a millisecond; the PVM host of
    /// issue 21 fails at its compare-exchange after about 15 ms of emulated loops.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(200);

    // After the deadline, how long a vCPU told to stop may take to come back before the caller stops waiting.
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="execute"/> on a new thread; <paramref name="requestStop"/> must be safe to call at any
    /// time from any thread. <paramref name="release"/> runs on that thread once it is done, however long the caller waited.
    /// </summary>
    public static KvmTrialFacts Run(Action execute, Action requestStop, Action? release, KvmTrialRecorder recorder, CancellationToken cancellationToken)
    {
        using var done = new ManualResetEventSlim();
        var thread = new Thread(
            () =>
            {
                try
                {
                    execute();
                }
                finally
                {
                    release?.Invoke();
                    SetQuietly(done);
                }
            },
            maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "sparsevirt trial guest",
        };
        using (cancellationToken.Register(requestStop))
        {
            thread.Start();
            if (!done.Wait(Deadline))
            {
                requestStop();
                if (!done.Wait(Grace))
                {
                    recorder.TimedOut(null);
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return recorder.Snapshot();
    }

    // The caller may have stopped waiting and disposed the event; the thread's late signal then goes nowhere.
    private static void SetQuietly(ManualResetEventSlim done)
    {
        try
        {
            done.Set();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
