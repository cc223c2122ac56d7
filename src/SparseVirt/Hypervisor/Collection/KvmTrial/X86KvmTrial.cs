using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Sets up and runs <see cref="X86TrialProgram"/> on a VM, on the thread that calls <see cref="Execute"/>: one
/// memory slot, one vCPU with the host's supported CPUID (as QEMU's <c>-cpu host</c> starts from), long mode set
/// through <c>KVM_SET_SREGS</c>, then <c>KVM_RUN</c> until the guest halts or fails. Everything it allocates it
/// frees itself, so the caller may stop waiting for it at a deadline without freeing anything under it.
/// </summary>
internal sealed unsafe partial class X86KvmTrial(int device, int vm, int runAreaSize, KvmTrialRecorder recorder)
{
    public const string ProgramDescription =
        "x86-64 long mode with 4-level paging at CPL 0, set through KVM_SET_SREGS; 4 port-I/O exits (exit cost), " +
        "2 rounds of a 5,000-iteration dec/jnz loop, CPUID, CR4 and CR3 writes, WRMSR/RDMSR IA32_LSTAR, LOCK CMPXCHG16B on guest memory, HLT";

    // The most exits the program makes is 13; anything beyond a few more means it is not running as written.
    private const int MaxExits = 24;
    private const int MaxCpuidEntries = 1024;

    private readonly Lock _stopGate = new();
    private byte* _runArea;
    private bool _stopRequested;
    private bool _finished;

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

    private bool StopRequested
    {
        get { lock (_stopGate) { return _stopRequested; } }
    }

    public void Execute()
    {
        nint memory = Libc.Mmap(0, X86TrialProgram.MemorySize, Libc.ProtectReadWrite, Libc.MapPrivateAnonymous, -1, 0);
        if (memory == Libc.MapFailed)
        {
            recorder.StepFailed("mmap(guest memory)", SystemCallResults.FromLastError());
            return;
        }
        int vcpu = -1;
        try
        {
            X86TrialProgram.Load(new Span<byte>((void*)memory, X86TrialProgram.MemorySize));
            vcpu = SetUp(memory);
            if (vcpu >= 0)
            {
                RunGuest(vcpu, new ReadOnlySpan<byte>((void*)memory, X86TrialProgram.MemorySize));
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
            Libc.Munmap(memory, X86TrialProgram.MemorySize);
        }
    }

    private bool Call(string name, int descriptor, nuint request, nint argument, out int result, bool failIsFatal = true)
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
}
