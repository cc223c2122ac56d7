using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.Windows;

/// <summary>
/// Runs the x86-64 trial program (<see cref="X86TrialProgram"/>, the KVM trial's) on a set-up WHPX partition:
/// 64 KiB of <c>VirtualAlloc</c> memory mapped at guest-physical 0 (<c>WHvMapGpaRange</c>), one virtual processor put
/// in long mode with paging through <c>WHvSetVirtualProcessorRegisters</c>, then <c>WHvRunVirtualProcessor</c> until
/// the guest halts or fails; each <c>out</c> is an I/O-port exit, after which the host steps RIP over the instruction.
/// At the deadline <c>WHvCancelRunVirtualProcessor</c> stops it (<see cref="TrialThread"/>). Not run by this project:
/// no Windows with the Hypervisor Platform is reachable; <see cref="WhvTrialExits"/> is tested with hand-made exits.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WhvTrialGuest : TrialVcpuRunner
{
    private readonly SafeWhvPartitionHandle _partition;

    private WhvTrialGuest(SafeWhvPartitionHandle partition, KvmTrialRecorder recorder)
        : base(recorder, X86TrialProgram.Shape)
    {
        _partition = partition;
    }

    /// <summary>Runs the trial on <paramref name="partition"/>, which stays alive until the trial's thread is done with it.</summary>
    public static KvmTrialFacts RunOn(SafeWhvPartitionHandle partition, CancellationToken cancellationToken)
    {
        var recorder = new KvmTrialRecorder(X86TrialProgram.Shape, TrialThread.Deadline);
        var trial = new WhvTrialGuest(partition, recorder);
        bool referenced = false;
        partition.DangerousAddRef(ref referenced);
        return TrialThread.Run(trial.Execute, trial.RequestStop, partition.DangerousRelease, recorder, cancellationToken);
    }

    protected override void Interrupt() => WinHvPlatform.WHvCancelRunVirtualProcessor(_partition, 0, 0);

    private void Execute() => WithMissingFunctionsAsFacts("WinHvPlatform.dll", ExecuteOnMemory);

    private void ExecuteOnMemory()
    {
        const int Size = X86TrialProgram.MemorySize;
        nint memory = Kernel32.VirtualAlloc(0, Size, Kernel32.MemCommitReserve, Kernel32.PageReadWrite);
        if (memory == 0)
        {
            Recorder.StepFailed("VirtualAlloc(guest memory)", PlatformErrors.FromWin32Error(Marshal.GetLastPInvokeError()));
            return;
        }
        try
        {
            X86TrialProgram.Load(new Span<byte>((void*)memory, Size));
            if (Call("WHvMapGpaRange", WinHvPlatform.WHvMapGpaRange(_partition, (void*)memory, 0, Size, WhvX64.MapReadWriteExecute)))
            {
                RunOnProcessor(new ReadOnlySpan<byte>((void*)memory, Size));
                Call("WHvUnmapGpaRange", WinHvPlatform.WHvUnmapGpaRange(_partition, 0, Size), fatal: false);
            }
        }
        finally
        {
            Kernel32.VirtualFree(memory, 0, Kernel32.MemRelease);
        }
    }

    private void RunOnProcessor(ReadOnlySpan<byte> memory)
    {
        if (!Call("WHvCreateVirtualProcessor", WinHvPlatform.WHvCreateVirtualProcessor(_partition, 0, 0)))
        {
            return;
        }
        SetInterruptible(true);
        try
        {
            if (SetLongMode())
            {
                RunGuest(memory);
            }
        }
        finally
        {
            SetInterruptible(false);
            Call("WHvDeleteVirtualProcessor", WinHvPlatform.WHvDeleteVirtualProcessor(_partition, 0), fatal: false);
        }
    }
    // The registers X86KvmTrial sets through KVM_SET_SREGS and KVM_SET_REGS, in WHPX's form.
    private bool SetLongMode()
    {
        const ushort Code = 0xA09B, Data = 0xC093, BusyTss = 0x008B; // type | S | P | L/D | G, as KvmSegment holds them
        WhvRegisterValue data = WhvRegisterValue.Segment(0, 0xFFFFFFFF, 0x10, Data);
        ReadOnlySpan<uint> names = [WhvX64.Cr0, WhvX64.Cr3, WhvX64.Cr4, WhvX64.Efer, WhvX64.Gdtr, WhvX64.Tr, WhvX64.Cs, WhvX64.Ds, WhvX64.Es, WhvX64.Fs, WhvX64.Gs, WhvX64.Ss, WhvX64.Rip, WhvX64.Rsp, WhvX64.Rflags];
        WhvRegisterValue* values = (WhvRegisterValue*)NativeMemory.AlignedAlloc((nuint)(names.Length * sizeof(WhvRegisterValue)), 16);
        try
        {
            values[0].Low = X86TrialProgram.Cr0;
            values[1].Low = X86TrialProgram.Pml4Address;
            values[2].Low = X86TrialProgram.Cr4;
            values[3].Low = X86TrialProgram.Efer;
            values[4] = WhvRegisterValue.Table(X86TrialProgram.GdtAddress, X86TrialProgram.GdtLimit);
            values[5] = WhvRegisterValue.Segment(0, 0x67, 0, BusyTss);
            values[6] = WhvRegisterValue.Segment(0, 0xFFFFFFFF, 0x08, Code);
            values[7] = values[8] = values[9] = values[10] = values[11] = data;
            values[12] = new WhvRegisterValue { Low = X86TrialProgram.CodeAddress };
            values[13] = new WhvRegisterValue { Low = X86TrialProgram.StackTop };
            values[14] = new WhvRegisterValue { Low = 2 };
            fixed (uint* namePointer = names)
            {
                return Call("WHvSetVirtualProcessorRegisters", WinHvPlatform.WHvSetVirtualProcessorRegisters(_partition, 0, namePointer, (uint)names.Length, values));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(values);
        }
    }

    protected override TrialStep EnterOnce(ReadOnlySpan<byte> memory)
    {
        byte* context = stackalloc byte[WhvX64.ExitContextSize];
        new Span<byte>(context, WhvX64.ExitContextSize).Clear();
        int hresult = WinHvPlatform.WHvRunVirtualProcessor(_partition, 0, context, WhvX64.ExitContextSize);
        long now = Stopwatch.GetTimestamp();
        if (hresult < 0)
        {
            return Run.RunFailed("WHvRunVirtualProcessor", PlatformErrors.FromHResult(hresult), now);
        }
        WhvTrialExits.Exit exit = WhvTrialExits.Decode(new ReadOnlySpan<byte>(context, WhvX64.ExitContextSize));
        (TrialStep step, bool stepOver) = WhvTrialExits.Judge(Run, exit, now, memory);
        return stepOver && !StepOver(exit) ? TrialStep.Finish : step;
    }

    // WHPX does not complete an I/O instruction for the host: RIP moves past it here.
    private bool StepOver(in WhvTrialExits.Exit exit)
    {
        uint name = WhvX64.Rip;
        WhvRegisterValue* value = (WhvRegisterValue*)NativeMemory.AlignedAlloc((nuint)sizeof(WhvRegisterValue), 16);
        try
        {
            *value = new WhvRegisterValue { Low = exit.Rip + (ulong)exit.InstructionLength };
            int hresult = WinHvPlatform.WHvSetVirtualProcessorRegisters(_partition, 0, &name, 1, value);
            return hresult >= 0 || Call("WHvSetVirtualProcessorRegisters(RIP)", hresult);
        }
        finally
        {
            NativeMemory.AlignedFree(value);
        }
    }

    private bool Call(string name, int hresult, bool fatal = true) => Record(name, hresult < 0 ? PlatformErrors.FromHResult(hresult) : null, fatal);
}
