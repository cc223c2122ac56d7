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
    : TrialVcpuRunner(recorder, program)
{
    private byte* _runArea;
    private int _vcpu = -1;

    protected int RunAreaSize => runAreaSize;

    public void Execute()
    {
        nint memory = Libc.Mmap(0, (nuint)Program.MemorySize, Libc.ProtectReadWrite, Libc.MapPrivateAnonymous, -1, 0);
        if (memory == Libc.MapFailed)
        {
            Recorder.StepFailed("mmap(guest memory)", SystemCallResults.FromLastError());
            return;
        }
        try
        {
            Program.Load(new Span<byte>((void*)memory, Program.MemorySize));
            _vcpu = SetUp(memory);
            if (_vcpu >= 0)
            {
                RunGuest(new ReadOnlySpan<byte>((void*)memory, Program.MemorySize));
            }
        }
        finally
        {
            SetInterruptible(false);
            if (_runArea is not null)
            {
                Libc.Munmap((nint)_runArea, (nuint)runAreaSize);
            }
            if (_vcpu >= 0)
            {
                Libc.Close(_vcpu);
            }
            Libc.Munmap(memory, (nuint)Program.MemorySize);
        }
    }

    /// <summary>The next <c>KVM_RUN</c> returns at once with EINTR.</summary>
    protected override void Interrupt() => Volatile.Write(ref _runArea[KvmRunLayout.ImmediateExit], (byte)1);

    protected override TrialStep EnterOnce(ReadOnlySpan<byte> memory)
    {
        int result = Libc.Ioctl(_vcpu, KvmIoctl.Run, 0);
        long now = Stopwatch.GetTimestamp();
        return result < 0 ? OnRunFailed(now) : OnExit(_vcpu, _runArea, now, memory);
    }

    /// <summary>The architecture's vCPU set-up after its creation (registers, CPUID, target); false when a step failed (recorded).</summary>
    protected abstract bool ConfigureVcpu(int vcpu);

    /// <summary>Handles one exit of <c>KVM_RUN</c>, read from the run area.</summary>
    protected abstract TrialStep OnExit(int vcpu, byte* run, long now, ReadOnlySpan<byte> memory);

    protected bool Call(string name, int descriptor, nuint request, nint argument, out int result, bool failIsFatal = true)
    {
        result = Libc.Ioctl(descriptor, request, argument);
        return Record(name, result < 0 ? SystemCallResults.FromLastError() : null, failIsFatal);
    }

    /// <summary>The set-up calls; the vCPU's descriptor, or -1 when one failed (recorded).</summary>
    private int SetUp(nint memory)
    {
        var region = new KvmUserspaceMemoryRegion { Slot = 0, GuestPhysicalAddress = 0, MemorySize = (ulong)Program.MemorySize, UserspaceAddress = (ulong)memory };
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
            Recorder.StepFailed("mmap(vcpu run area)", SystemCallResults.FromLastError());
            return Closed(vcpu);
        }
        _runArea = (byte*)runArea;
        SetInterruptible(true);
        Recorder.Step("mmap(vcpu run area)", SystemCallOutcome.Success(runAreaSize));
        return ConfigureVcpu(vcpu) ? vcpu : Closed(vcpu);
    }

    // The run area, if mapped, is unmapped by Execute; the descriptor is closed here since Execute never sees it.
    private static int Closed(int vcpu)
    {
        Libc.Close(vcpu);
        return -1;
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
