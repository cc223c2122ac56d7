using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

// The exits: each port-I/O exit is a result the program reports, any other ends the trial.
internal sealed unsafe partial class X86KvmTrial
{
    protected override TrialStep OnExit(int vcpu, byte* run, long now, ReadOnlySpan<byte> memory)
    {
        uint reason = *(uint*)(run + KvmRunLayout.ExitReason);
        if (reason != KvmRunLayout.ExitIo)
        {
            return OnLastExit(vcpu, run, reason, now);
        }
        int port = *(ushort*)(run + KvmRunLayout.IoPort);
        var exit = new KvmTrialExit { Reason = "io", ReasonCode = (int)KvmRunLayout.ExitIo, Port = port };
        if (run[KvmRunLayout.IoDirection] != 1)
        {
            return Run.UnexpectedAccess(exit, now, $"the guest read port 0x{port:X}, which the program never does");
        }
        return Run.Output(port, ReadIoValue(run, RunAreaSize), now, exit, memory);
    }

    // Any exit but port I/O ends the trial: a halt after the last result completes it, everything else fails it.
    private TrialStep OnLastExit(int vcpu, byte* run, uint reason, long now)
    {
        ulong? rip = reason is KvmRunLayout.ExitIo or KvmRunLayout.ExitHalt ? null : InstructionPointer(vcpu);
        string? instruction = rip is { } address ? X86TrialProgram.InstructionAt(address) : null;
        KvmTrialExit exit = KvmRunExits.Describe(run) with { GuestInstructionPointer = rip };
        return Run.Last(exit, now, reason == KvmRunLayout.ExitHalt, instruction, KvmRunExits.FailureText(exit, rip, instruction, "RIP"));
    }

    private static ulong? InstructionPointer(int vcpu)
    {
        KvmRegisters registers;
        return Libc.Ioctl(vcpu, KvmIoctl.GetRegisters, (nint)(&registers)) == 0 ? registers.Rip : null;
    }

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
}
