using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Sets up and runs <see cref="X86TrialProgram"/> on a VM, on the thread that calls <see cref="Execute"/>: one
/// memory slot, one vCPU with the host's supported CPUID (as QEMU's <c>-cpu host</c> starts from), long mode set
/// through <c>KVM_SET_SREGS</c>, then <c>KVM_RUN</c> until the guest halts or fails. Everything it allocates it
/// frees itself, so the caller may stop waiting for it at a deadline without freeing anything under it.
/// </summary>
internal sealed unsafe class X86KvmTrial(int device, int vm, int runAreaSize, KvmTrialRecorder recorder)
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

    /// <summary>The set-up calls; the vCPU's descriptor, or -1 when one failed (recorded).</summary>
    private int SetUp(nint memory)
    {
        var region = new KvmUserspaceMemoryRegion { Slot = 0, GuestPhysicalAddress = 0, MemorySize = X86TrialProgram.MemorySize, UserspaceAddress = (ulong)memory };
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

        // Without a CPUID table the guest's CPUID answers nothing and KVM may refuse what depends on it; a failure
        // here is recorded and the trial goes on, as the guest then shows what that costs.
        SetCpuid(vcpu);

        KvmSpecialRegisters special;
        if (!Call("KVM_GET_SREGS", vcpu, KvmIoctl.GetSpecialRegisters, (nint)(&special), out _))
        {
            return Closed(vcpu);
        }
        ConfigureLongMode(ref special);
        if (!Call("KVM_SET_SREGS", vcpu, KvmIoctl.SetSpecialRegisters, (nint)(&special), out _))
        {
            return Closed(vcpu);
        }
        var registers = new KvmRegisters { Rip = X86TrialProgram.CodeAddress, Rsp = X86TrialProgram.StackTop, Rflags = 2 };
        if (!Call("KVM_SET_REGS", vcpu, KvmIoctl.SetRegisters, (nint)(&registers), out _))
        {
            return Closed(vcpu);
        }
        return vcpu;
    }

    private int Closed(int vcpu)
    {
        // The run area, if mapped, is unmapped by Execute; the descriptor is closed here since Execute never sees it.
        Libc.Close(vcpu);
        return -1;
    }

    private void SetCpuid(int vcpu)
    {
        for (int entries = 128; entries <= MaxCpuidEntries; entries *= 2)
        {
            int size = 8 + (entries * 40);
            byte* table = (byte*)NativeMemory.AllocZeroed((nuint)size);
            try
            {
                *(uint*)table = (uint)entries;
                int result = Libc.Ioctl(device, KvmIoctl.GetSupportedCpuid, (nint)table);
                if (result < 0)
                {
                    SystemCallOutcome failure = SystemCallResults.FromLastError();
                    if (failure.Errno == Errno.E2BIG && entries < MaxCpuidEntries)
                    {
                        continue;
                    }
                    recorder.Step("KVM_GET_SUPPORTED_CPUID", failure);
                    return;
                }
                recorder.Step("KVM_GET_SUPPORTED_CPUID", SystemCallOutcome.Success(*(uint*)table));
                Call("KVM_SET_CPUID2", vcpu, KvmIoctl.SetCpuid2, (nint)table, out _, failIsFatal: false);
                return;
            }
            finally
            {
                NativeMemory.Free(table);
            }
        }
    }

    private static void ConfigureLongMode(ref KvmSpecialRegisters special)
    {
        const ulong ProtectionEnable = 1, MonitorCoprocessor = 2, ExtensionType = 0x10, NumericError = 0x20, WriteProtect = 0x10000,
            AlignmentMask = 0x40000, Paging = 0x80000000;
        const ulong PhysicalAddressExtension = 0x20, LongModeEnable = 0x100, LongModeActive = 0x400;

        special.Cr3 = X86TrialProgram.Pml4Address;
        special.Cr4 = PhysicalAddressExtension;
        special.Cr0 = ProtectionEnable | MonitorCoprocessor | ExtensionType | NumericError | WriteProtect | AlignmentMask | Paging;
        special.Efer = LongModeEnable | LongModeActive;
        special.Gdt = new KvmDescriptorTable { Base = X86TrialProgram.GdtAddress, Limit = 23 };

        var code = new KvmSegment
        {
            Base = 0, Limit = 0xFFFFFFFF, Selector = 0x08, Type = 11, Present = 1, DescriptorPrivilegeLevel = 0, DefaultSize = 0, System = 1, LongMode = 1, Granularity = 1,
        };
        KvmSegment data = code with { Selector = 0x10, Type = 3, DefaultSize = 1, LongMode = 0 };
        special.Cs = code;
        special.Ds = special.Es = special.Fs = special.Gs = special.Ss = data;
    }

    private void RunGuest(int vcpu, ReadOnlySpan<byte> memory)
    {
        byte* run = _runArea;
        long started = Stopwatch.GetTimestamp();
        long previousTiming = 0, loopStarted = 0;
        double exitMicroseconds = double.MaxValue, loopMicroseconds = double.MaxValue;
        bool sawLastResult = false;
        string? lastStage = null;

        for (int count = 0; count < MaxExits; count++)
        {
            int result = Libc.Ioctl(vcpu, KvmIoctl.Run, 0);
            long now = Stopwatch.GetTimestamp();
            double at = Math.Round(Stopwatch.GetElapsedTime(started, now).TotalMicroseconds, 1);
            if (result < 0)
            {
                SystemCallOutcome failure = SystemCallResults.FromLastError();
                if (failure.Errno is Errno.EINTR or Errno.EAGAIN)
                {
                    if (StopRequested)
                    {
                        recorder.TimedOut(lastStage);
                        break;
                    }
                    count--; // a signal for this thread (not ours): the guest did not exit, so enter it again
                    continue;
                }
                recorder.Exit(new KvmTrialExit { Reason = "error", RunError = failure, AtMicroseconds = at });
                recorder.Fail("KVM_RUN", $"KVM_RUN failed with {failure}");
                break;
            }

            uint reason = *(uint*)(run + KvmRunLayout.ExitReason);
            if (reason == KvmRunLayout.ExitIo)
            {
                int port = *(ushort*)(run + KvmRunLayout.IoPort);
                uint value = ReadIoValue(run, runAreaSize);
                string stage = X86TrialProgram.StageOf(port);
                lastStage = stage;
                recorder.Exit(new KvmTrialExit { Reason = "io", ReasonCode = (int)reason, Port = port, Value = value, Stage = stage, AtMicroseconds = at });
                if (run[KvmRunLayout.IoDirection] != 1)
                {
                    recorder.Fail(stage, $"the guest read port 0x{port:X}, which the program never does");
                    break;
                }
                switch (port)
                {
                    case X86TrialProgram.PortExitTiming:
                        if (previousTiming != 0)
                        {
                            exitMicroseconds = Math.Min(exitMicroseconds, Stopwatch.GetElapsedTime(previousTiming, now).TotalMicroseconds);
                        }
                        previousTiming = now;
                        break;
                    case X86TrialProgram.PortLoopStart:
                        loopStarted = now;
                        break;
                    case X86TrialProgram.PortLoopEnd:
                        loopMicroseconds = Math.Min(loopMicroseconds, Stopwatch.GetElapsedTime(loopStarted, now).TotalMicroseconds);
                        recorder.Timings(Known(exitMicroseconds), Known(loopMicroseconds));
                        break;
                    default:
                        if (X86TrialProgram.CheckResult(port, value, memory) is { } wrong)
                        {
                            recorder.Fail(stage, wrong);
                            return;
                        }
                        sawLastResult |= port == X86TrialProgram.PortCompareExchange;
                        break;
                }
                continue;
            }

            ulong? rip = reason is KvmRunLayout.ExitIo or KvmRunLayout.ExitHalt ? null : InstructionPointer(vcpu);
            string? instruction = rip is { } address ? X86TrialProgram.InstructionAt(address) : null;
            KvmTrialExit exit = DescribeExit(run, reason, at) with { GuestInstructionPointer = rip, Stage = instruction };
            recorder.Exit(exit);
            if (reason == KvmRunLayout.ExitHalt && sawLastResult)
            {
                recorder.Complete();
            }
            else
            {
                recorder.Fail(instruction ?? lastStage, FailureText(exit, reason, rip, instruction));
            }
            return;
        }
        recorder.Timings(Known(exitMicroseconds), Known(loopMicroseconds));
        if (!recorder.HasFailed)
        {
            recorder.Fail(lastStage, $"the guest made more than {MaxExits} exits; the program makes 13");
        }
    }

    private static double? Known(double value) => value == double.MaxValue ? null : value;

    /// <summary>
    /// The value of a port-I/O exit. x86 KVM puts the data in the run area's second page
    /// (<c>KVM_PIO_PAGE_OFFSET</c>, so <c>data_offset</c> is 4096), after the structure itself; an offset that would read
    /// outside the mapped area is not trusted and reads as 0.
    /// </summary>
    internal static uint ReadIoValue(byte* run, int runAreaSize)
    {
        ulong offset = *(ulong*)(run + KvmRunLayout.IoDataOffset);
        byte size = run[KvmRunLayout.IoSize];
        if (offset < KvmRunLayout.Details || size is not (1 or 2 or 4) || offset > (ulong)(runAreaSize - size))
        {
            return 0;
        }
        return size switch
        {
            1 => run[offset],
            2 => *(ushort*)(run + offset),
            _ => *(uint*)(run + offset),
        };
    }

    private static KvmTrialExit DescribeExit(byte* run, uint reason, double at)
    {
        var exit = new KvmTrialExit { Reason = KvmRunLayout.ExitName(reason), ReasonCode = (int)reason, AtMicroseconds = at };
        switch (reason)
        {
            case KvmRunLayout.ExitInternalError:
                uint count = Math.Min(*(uint*)(run + KvmRunLayout.InternalDataCount), KvmRunLayout.InternalDataMax);
                var data = new ulong[count];
                for (int i = 0; i < count; i++)
                {
                    data[i] = ((ulong*)(run + KvmRunLayout.InternalData))[i];
                }
                return exit with { Suberror = (int)*(uint*)(run + KvmRunLayout.InternalSuberror), Data = data };
            case KvmRunLayout.ExitFailEntry or KvmRunLayout.ExitUnknown:
                return exit with { HardwareReason = *(ulong*)(run + KvmRunLayout.Details) };
            case KvmRunLayout.ExitMmio:
                return exit with { HardwareReason = null, Data = [*(ulong*)(run + KvmRunLayout.MmioAddress)] };
            default:
                return exit;
        }
    }

    private static string FailureText(KvmTrialExit exit, uint reason, ulong? rip, string? instruction)
    {
        string where = instruction is not null ? $" at {instruction} (guest RIP 0x{rip:X})" : rip is { } address ? $" at guest RIP 0x{address:X}" : "";
        return reason switch
        {
            KvmRunLayout.ExitInternalError => $"KVM_EXIT_INTERNAL_ERROR, suberror {exit.Suberror} ({SuberrorName(exit.Suberror)}){where}",
            KvmRunLayout.ExitFailEntry => $"KVM_EXIT_FAIL_ENTRY, hardware entry failure reason 0x{exit.HardwareReason:X}: the CPU refused to enter the guest",
            KvmRunLayout.ExitShutdown => $"KVM_EXIT_SHUTDOWN (a triple fault){where}",
            KvmRunLayout.ExitHalt => $"the guest halted before reporting every result{where}",
            KvmRunLayout.ExitMmio => $"KVM_EXIT_MMIO: the guest touched guest-physical 0x{exit.Data?[0]:X} outside its memory{where}",
            _ => $"unexpected exit KVM_EXIT_{exit.Reason.ToUpperInvariant()} ({reason}){where}",
        };
    }

    /// <summary>The suberrors of <c>KVM_EXIT_INTERNAL_ERROR</c> (<c>KVM_INTERNAL_ERROR_*</c>).</summary>
    internal static string SuberrorName(int? suberror) => suberror switch
    {
        1 => "emulation failure",
        2 => "simultaneous exceptions",
        3 => "event delivery failed",
        4 => "unexpected exit reason",
        _ => "unknown suberror",
    };

    private static ulong? InstructionPointer(int vcpu)
    {
        KvmRegisters registers;
        return Libc.Ioctl(vcpu, KvmIoctl.GetRegisters, (nint)(&registers)) == 0 ? registers.Rip : null;
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
