using System.Diagnostics;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// What the trials of every hypervisor share on their own thread: the stop at a deadline (once the vCPU exists, a
/// stop request interrupts it in the hypervisor's way), the bounded run loop, and set-up calls recorded as steps.
/// Subclasses enter the guest once and hand the exit to <see cref="Run"/>.
/// </summary>
internal abstract class TrialVcpuRunner(KvmTrialRecorder recorder, ITrialProgram program)
{
    private readonly Lock _gate = new();
    private bool _stopRequested;
    private bool _interruptible;

    protected KvmTrialRecorder Recorder => recorder;

    protected ITrialProgram Program => program;

    protected TrialRun Run { get; } = new(program, recorder);

    /// <summary>Asks the vCPU to stop: a running (or the next) entry returns. Safe to call at any time, from any thread.</summary>
    public void RequestStop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            if (_interruptible)
            {
                Interrupt();
            }
        }
    }

    /// <summary>Starts the trial's clock; for tests that drive the exit handling with their own timestamps.</summary>
    internal void StartClock(long now) => Run.Start(now);

    /// <summary>Interrupts the vCPU (KVM's <c>immediate_exit</c>, <c>WHvCancelRunVirtualProcessor</c>, <c>hv_vcpus_exit</c>); called under the stop lock.</summary>
    protected abstract void Interrupt();

    /// <summary>Enters the guest once and handles the exit.</summary>
    protected abstract TrialStep EnterOnce(ReadOnlySpan<byte> memory);

    /// <summary>Marks the vCPU as able to be interrupted (it exists), or no longer (it is being freed).</summary>
    protected void SetInterruptible(bool interruptible)
    {
        lock (_gate)
        {
            _interruptible = interruptible;
            if (interruptible && _stopRequested)
            {
                Interrupt();
            }
        }
    }

    /// <summary>Runs the guest until it ends, fails, is stopped, or makes more exits than its program does.</summary>
    protected void RunGuest(ReadOnlySpan<byte> memory)
    {
        Run.Start(Stopwatch.GetTimestamp());
        for (int count = 0; count < Run.MaxExits; count++)
        {
            if (StopRequested)
            {
                Run.Stopped(null, Stopwatch.GetTimestamp());
                break;
            }
            TrialStep step = EnterOnce(memory);
            if (step == TrialStep.EnterAgain)
            {
                count--;
            }
            else if (step == TrialStep.Finish)
            {
                break;
            }
            else if (step == TrialStep.Done)
            {
                return;
            }
        }
        Run.Finish();
    }

    protected bool StopRequested
    {
        get { lock (_gate) { return _stopRequested; } }
    }

    /// <summary>
    /// Runs <paramref name="body"/>, recording a missing library or function (an old or partial platform) as the
    /// trial's failure: on the trial's own thread an exception would end the process.
    /// </summary>
    protected void WithMissingFunctionsAsFacts(string library, Action body)
    {
        try
        {
            body();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            recorder.Fail(library, $"a function the trial needs is missing: {e.Message}");
        }
    }

    /// <summary>Records a set-up call: a step with its outcome; a failure that is fatal also fails the trial.</summary>
    protected bool Record(string name, SystemCallOutcome? failure, bool fatal = true)
    {
        if (failure is null)
        {
            recorder.Step(name, SystemCallOutcome.Success());
            return true;
        }
        if (fatal)
        {
            recorder.StepFailed(name, failure);
        }
        else
        {
            recorder.Step(name, failure);
        }
        return false;
    }
}
