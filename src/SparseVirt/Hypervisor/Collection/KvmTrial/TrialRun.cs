using System.Diagnostics;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// The hypervisor-neutral part of a trial's run loop: what each exit means for the program, the timings, and the
/// verdict on the run. The native loops (KVM x86-64 and arm64, WHPX, HVF) decode their exits and hand them here, so
/// this logic is unit-tested with decoded exits on any machine. Timestamps are <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class TrialRun(ITrialProgram program, KvmTrialRecorder recorder)
{
    private long _previousTiming;
    private long _loopStarted;
    private double _exitMicroseconds = double.MaxValue;
    private double _loopMicroseconds = double.MaxValue;
    private bool _sawLastResult;

    /// <summary>When the first entry into the guest happened.</summary>
    public long Started { get; private set; } = Stopwatch.GetTimestamp();

    /// <summary>The stage of the last result the guest reported.</summary>
    public string? LastStage { get; private set; }

    /// <summary>The most exits the loop takes before it judges the guest not to run as written.</summary>
    public int MaxExits => program.ExitCount + 11;

    public ITrialProgram Program => program;

    /// <summary>Starts the clock (just before the first entry).</summary>
    public void Start(long now) => Started = now;

    /// <summary>Microseconds since <see cref="Started"/>, rounded as the facts keep them.</summary>
    public double At(long now) => Math.Round(Stopwatch.GetElapsedTime(Started, now).TotalMicroseconds, 1);

    /// <summary>
    /// An output exit: the guest wrote <paramref name="value"/> to <paramref name="port"/>. <paramref name="exit"/>
    /// carries what the hypervisor said (reason, address); its stage, port and value are filled in here.
    /// </summary>
    public TrialStep Output(int port, ulong value, long now, KvmTrialExit exit, ReadOnlySpan<byte> memory)
    {
        string stage = program.StageOf(port);
        LastStage = stage;
        recorder.Exit(exit with { Port = port, Value = unchecked((long)value), Stage = stage, AtMicroseconds = At(now) });
        if (port == program.ExitTimingPort)
        {
            if (_previousTiming != 0)
            {
                _exitMicroseconds = Math.Min(_exitMicroseconds, Stopwatch.GetElapsedTime(_previousTiming, now).TotalMicroseconds);
            }
            _previousTiming = now;
        }
        else if (port == program.LoopStartPort)
        {
            _loopStarted = now;
        }
        else if (port == program.LoopEndPort)
        {
            _loopMicroseconds = Math.Min(_loopMicroseconds, Stopwatch.GetElapsedTime(_loopStarted, now).TotalMicroseconds);
            RecordTimings();
        }
        else if (program.CheckResult(port, value, memory) is { } wrong)
        {
            recorder.Fail(stage, wrong);
            return TrialStep.Done;
        }
        else
        {
            _sawLastResult |= port == program.LastResultPort;
        }
        return TrialStep.Enter;
    }

    /// <summary>An output the program never makes (a read, a string or odd-sized access, an address outside its window).</summary>
    public TrialStep UnexpectedAccess(KvmTrialExit exit, long now, string what)
    {
        recorder.Exit(exit with { Stage = LastStage, AtMicroseconds = At(now) });
        recorder.Fail(LastStage, what);
        return TrialStep.Finish;
    }

    /// <summary>
    /// The exit that ends the trial: the program's final one (HLT, PSCI SYSTEM_OFF) completes it when every result
    /// came first; otherwise the trial fails with <paramref name="failure"/>, at <paramref name="instruction"/> when known.
    /// </summary>
    public TrialStep Last(KvmTrialExit exit, long now, bool programEnd, string? instruction, string failure)
    {
        recorder.Exit(exit with { Stage = instruction ?? exit.Stage, AtMicroseconds = At(now) });
        RecordTimings();
        if (programEnd && _sawLastResult)
        {
            recorder.Complete();
        }
        else
        {
            recorder.Fail(instruction ?? LastStage, failure);
        }
        return TrialStep.Done;
    }

    /// <summary>The run call itself failed (not an exit of the guest).</summary>
    public TrialStep RunFailed(string call, SystemCallOutcome failure, long now)
    {
        recorder.Exit(new KvmTrialExit { Reason = "error", RunError = failure, AtMicroseconds = At(now) });
        recorder.Fail(call, $"{call} failed with {failure}");
        return TrialStep.Finish;
    }

    /// <summary>The deadline passed and the vCPU was stopped.</summary>
    public TrialStep Stopped(KvmTrialExit? exit, long now)
    {
        if (exit is not null)
        {
            recorder.Exit(exit with { Stage = LastStage, AtMicroseconds = At(now) });
        }
        recorder.TimedOut(LastStage);
        return TrialStep.Finish;
    }

    /// <summary>The loop ends without an outcome (too many exits, or stopped): the timings so far, and why.</summary>
    public void Finish()
    {
        RecordTimings();
        if (!recorder.HasFailed)
        {
            recorder.Fail(LastStage, $"the guest made more than {MaxExits} exits; the program makes {program.ExitCount}");
        }
    }

    private void RecordTimings() => recorder.Timings(Known(_exitMicroseconds), Known(_loopMicroseconds));

    private static double? Known(double value) => value == double.MaxValue ? null : value;
}
