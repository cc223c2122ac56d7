using System.Diagnostics;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// What the KVM trials of every architecture share, on the thread that calls <see cref="Execute"/>: one memory slot
/// holding the program, one vCPU and its run area, <c>KVM_RUN</c> until the guest ends or fails, and the stop at a
/// deadline through <c>immediate_exit</c>. Everything it allocates it frees itself, so the caller may stop waiting
/// for it without freeing anything under it. Subclasses set the vCPU up and decode its exits.
/// </summary>
internal abstract unsafe class KvmTrialVcpu(int vm, int runAreaSize, KvmTrialRecorder recorder, ITrialProgram program)
{
    private readonly Lock _stopGate = new();
    private byte* _runArea;
    private bool _stopRequested;
    private bool _finished;

    protected KvmTrialRecorder Recorder => recorder;

    protected TrialRun Run { get; } = new(program, recorder);

    protected int RunAreaSize => runAreaSize;

    /// <summary>Asks the vCPU to stop: the next <c>KVM_RUN</c> returns at once. Safe to call at any time, from any thread.</summary>
    public void RequestStop()
    {
        lock (_stopGate)
        {
            _stopRequested = true;
            if (!_finished && _runArea is not null)
            {
                Volatile.Write(ref _runArea[KvmRunLayout.ImmediateExit], (byte)1);
            }
        }
    }

    /// <summary>Starts the trial's clock; for tests that drive the exit handling with their own timestamps.</summary>
    internal void StartClock(long now) => Run.Start(now);

    private bool StopRequested
    {
        get { lock (_stopGate) { return _stopRequested; } }
    }

    public void Execute()
    {
        nint memory = Libc.Mmap(0, (nuint)program.MemorySize, Libc.ProtectReadWrite, Libc.MapPrivateAnonymous, -1, 0);
        if (memory == Libc.MapFailed)
        {
            recorder.StepFailed("mmap(guest memory)", SystemCallResults.FromLastError());
            return;
        }
        int vcpu = -1;
        try
        {
            program.Load(new Span<byte>((void*)memory, program.MemorySize));
            vcpu = SetUp(memory);
            if (vcpu >= 0)
            {
                RunGuest(vcpu, new ReadOnlySpan<byte>((void*)memory, program.MemorySize));
            }
        }
        finally
        {
            lock (_stopGate)
            {
                _finished = true;
            }
            if (_runArea is not null)
            {
                Libc.Munmap((nint)_runArea, (nuint)runAreaSize);
            }
            if (vcpu >= 0)
            {
                Libc.Close(vcpu);
            }
            Libc.Munmap(memory, (nuint)program.MemorySize);
        }
    }

    /// <summary>The architecture's vCPU set-up after its creation (registers, CPUID, target); false when a step failed (recorded).</summary>
    protected abstract bool ConfigureVcpu(int vcpu);

    /// <summary>Handles one exit of <c>KVM_RUN</c>, read from the run area.</summary>
    protected abstract TrialStep OnExit(int vcpu, byte* run, long now, ReadOnlySpan<byte> memory);

    protected bool Call(string name, int descriptor, nuint request, nint argument, out int result, bool failIsFatal = true)
    {
        result = Libc.Ioctl(descriptor, request, argument);
        if (result < 0)
        {
            SystemCallOutcome failure = SystemCallResults.FromLastError();
            if (failIsFatal)
            {
                recorder.StepFailed(name, failure);
            }
            else
            {
                recorder.Step(name, failure);
            }
            return false;
        }
        recorder.Step(name, SystemCallOutcome.Success());
        return true;
    }

    /// <summary>The set-up calls; the vCPU's descriptor, or -1 when one failed (recorded).</summary>
    private int SetUp(nint memory)
    {
        var region = new KvmUserspaceMemoryRegion { Slot = 0, GuestPhysicalAddress = 0, MemorySize = (ulong)program.MemorySize, UserspaceAddress = (ulong)memory };
        if (!Call("KVM_SET_USER_MEMORY_REGION", vm, KvmIoctl.SetUserMemoryRegion, (nint)(&region), out _))
        {
            return -1;
        }
        if (!Call("KVM_CREATE_VCPU", vm, KvmIoctl.CreateVcpu, 0, out int vcpu))
        {
            return -1;
        }
        nint runArea = Libc.Mmap(0, (nuint)runAreaSize, Libc.ProtectReadWrite, Libc.MapShared, vcpu, 0);
        if (runArea == Libc.MapFailed)
        {
            recorder.StepFailed("mmap(vcpu run area)", SystemCallResults.FromLastError());
            return Closed(vcpu);
        }
        lock (_stopGate)
        {
            _runArea = (byte*)runArea;
            if (_stopRequested)
            {
                _runArea[KvmRunLayout.ImmediateExit] = 1;
            }
        }
        recorder.Step("mmap(vcpu run area)", SystemCallOutcome.Success(runAreaSize));
        return ConfigureVcpu(vcpu) ? vcpu : Closed(vcpu);
    }

    // The run area, if mapped, is unmapped by Execute; the descriptor is closed here since Execute never sees it.
    private static int Closed(int vcpu)
    {
        Libc.Close(vcpu);
        return -1;
    }

    private void RunGuest(int vcpu, ReadOnlySpan<byte> memory)
    {
        Run.Start(Stopwatch.GetTimestamp());
        for (int count = 0; count < Run.MaxExits; count++)
        {
            int result = Libc.Ioctl(vcpu, KvmIoctl.Run, 0);
            long now = Stopwatch.GetTimestamp();
            TrialStep next = result < 0 ? OnRunFailed(now) : OnExit(vcpu, _runArea, now, memory);
            if (next == TrialStep.EnterAgain)
            {
                count--;
            }
            else if (next == TrialStep.Finish)
            {
                break;
            }
            else if (next == TrialStep.Done)
            {
                return;
            }
        }
        Run.Finish();
    }

    private TrialStep OnRunFailed(long now)
    {
        SystemCallOutcome failure = SystemCallResults.FromLastError();
        if (failure.Errno is Errno.EINTR or Errno.EAGAIN)
        {
            return StopRequested ? Run.Stopped(null, now) : TrialStep.EnterAgain;
        }
        return Run.RunFailed("KVM_RUN", failure, now);
    }
}
