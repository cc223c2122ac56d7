namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// What the vCPU thread has found so far, shared with the waiting caller under one lock: the caller may have to
/// take its snapshot while the thread is still inside <c>KVM_RUN</c> (a deadline passed), so every write and the
/// snapshot are atomic with respect to each other.
/// </summary>
internal sealed class KvmTrialRecorder(ITrialProgram program, TimeSpan deadline)
{
    private readonly Lock _gate = new();
    private readonly List<KvmTrialStep> _steps = [];
    private readonly List<KvmTrialExit> _exits = [];
    private string? _failedAt;
    private string? _failure;
    private bool _completed;
    private bool _timedOut;
    private double? _exitMicroseconds;
    private double? _loopMicroseconds;
    private double? _runMilliseconds;

    public bool HasFailed
    {
        get { lock (_gate) { return _failure is not null; } }
    }

    public void Step(string name, SystemCallOutcome outcome)
    {
        lock (_gate)
        {
            _steps.Add(new KvmTrialStep { Name = name, Outcome = outcome });
        }
    }

    /// <summary>Records a failed set-up step as the trial's failure.</summary>
    public void StepFailed(string name, SystemCallOutcome outcome)
    {
        Step(name, outcome);
        Fail(name, $"{name} failed with {outcome}");
    }

    public void Exit(KvmTrialExit exit)
    {
        lock (_gate)
        {
            _exits.Add(exit);
            _runMilliseconds = Math.Round(exit.AtMicroseconds / 1000, 3);
        }
    }

    /// <summary>The first failure wins: later ones are its consequences.</summary>
    public void Fail(string? at, string failure)
    {
        lock (_gate)
        {
            if (_failure is null)
            {
                _failedAt = at;
                _failure = failure;
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
        }
    }

    public void TimedOut(string? at)
    {
        lock (_gate)
        {
            _timedOut = true;
        }
        Fail(at, $"the trial guest did not finish within its {deadline.TotalMilliseconds:0} ms deadline");
    }

    public void Timings(double? exitMicroseconds, double? loopMicroseconds)
    {
        lock (_gate)
        {
            _exitMicroseconds = exitMicroseconds;
            _loopMicroseconds = loopMicroseconds;
        }
    }

    public KvmTrialFacts Snapshot()
    {
        lock (_gate)
        {
            double? perIteration = _loopMicroseconds is { } loop
                ? Math.Round(Math.Max(0, loop - (_exitMicroseconds ?? 0)) * 1000 / program.LoopIterations, 3)
                : null;
            return new KvmTrialFacts
            {
                Supported = true,
                Architecture = program.Architecture,
                Program = program.Description,
                Steps = [.. _steps],
                Exits = [.. _exits],
                Completed = _completed && _failure is null,
                FailedAt = _failedAt,
                Failure = _failure,
                TimedOut = _timedOut,
                DeadlineMilliseconds = deadline.TotalMilliseconds,
                ExitMicroseconds = _exitMicroseconds is { } exit ? Math.Round(exit, 2) : null,
                LoopIterations = program.LoopIterations,
                LoopNanosecondsPerIteration = perIteration,
                RunMilliseconds = _runMilliseconds,
            };
        }
    }
}
