using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Sets up and runs <see cref="Arm64TrialProgram"/> on a VM of arm64 KVM: the VM's preferred target CPU
/// (<c>KVM_ARM_PREFERRED_TARGET</c>), <c>KVM_ARM_VCPU_INIT</c> with PSCI 0.2 (which resets the vCPU to EL1h with
/// interrupts masked and the MMU off), the PC through <c>KVM_SET_ONE_REG</c>, then <c>KVM_RUN</c>: each store to the
/// result window is an MMIO exit, PSCI <c>SYSTEM_OFF</c> a shutdown system event. Not run on arm64 hardware by this
/// project (none is reachable); its exits are tested with hand-made run areas.
/// </summary>
internal sealed unsafe class Arm64KvmTrial(int vm, int runAreaSize, KvmTrialRecorder recorder)
    : KvmTrialVcpu(vm, runAreaSize, recorder, Arm64TrialProgram.Shape)
{
    private readonly int _vm = vm;

    protected override bool ConfigureVcpu(int vcpu)
    {
        KvmVcpuInit init;
        if (!Call("KVM_ARM_PREFERRED_TARGET", _vm, KvmIoctl.ArmPreferredTarget, (nint)(&init), out _))
        {
            return false;
        }
        init.Features[0] |= 1u << KvmArm64.FeaturePsci02;
        if (!Call("KVM_ARM_VCPU_INIT", vcpu, KvmIoctl.ArmVcpuInit, (nint)(&init), out _))
        {
            return false;
        }
        ulong pc = Arm64TrialProgram.CodeAddress;
        var register = new KvmOneRegister { Id = KvmArm64.ProgramCounter, Address = (ulong)(&pc) };
        return Call("KVM_SET_ONE_REG(pc)", vcpu, KvmIoctl.SetOneRegister, (nint)(&register), out _);
    }

    protected override TrialStep OnExit(int vcpu, byte* run, long now, ReadOnlySpan<byte> memory)
    {
        KvmTrialExit exit = KvmRunExits.Describe(run);
        return Judge(exit, MmioWrite(run), now, memory, exit.ReasonCode == (int)KvmRunLayout.ExitMmio ? null : ProgramCounter(vcpu));
    }

    /// <summary>
    /// The trial's logic for one decoded exit (pure, so tests give it hand-made exits): a store to the result window
    /// is a result, a shutdown system event after the last result completes the trial, anything else fails it.
    /// </summary>
    internal TrialStep Judge(KvmTrialExit exit, (bool IsWrite, int Length, ulong Value) mmio, long now, ReadOnlySpan<byte> memory, ulong? pc)
    {
        if (exit.ReasonCode == (int)KvmRunLayout.ExitMmio && exit.Address is { } address && Arm64TrialProgram.PortOf(address) is { } port)
        {
            return mmio is { IsWrite: true, Length: 8 }
                ? Run.Output(port, mmio.Value, now, exit, memory)
                : Run.UnexpectedAccess(exit, now, $"the guest {(mmio.IsWrite ? "stored" : "loaded")} {mmio.Length} bytes at 0x{address:X}, which the program never does");
        }
        string? instruction = pc is { } known ? Arm64TrialProgram.InstructionAt(known) : null;
        bool programEnd = exit.ReasonCode == (int)KvmRunLayout.ExitSystemEvent && exit.SystemEventType == KvmArm64.SystemEventShutdown;
        string failure = programEnd ? "the guest powered off before reporting every result" : KvmRunExits.FailureText(exit, pc, instruction, "PC");
        return Run.Last(exit with { GuestInstructionPointer = pc }, now, programEnd, instruction, failure);
    }

    /// <summary><c>mmio</c>: <c>is_write</c>, <c>len</c> and the data (little-endian, <c>len</c> bytes of it).</summary>
    internal static (bool IsWrite, int Length, ulong Value) MmioWrite(byte* run)
    {
        int length = (int)Math.Min(*(uint*)(run + KvmRunLayout.MmioLength), 8);
        ulong data = *(ulong*)(run + KvmRunLayout.MmioData);
        ulong value = length == 8 ? data : data & ((1UL << (length * 8)) - 1);
        return (run[KvmRunLayout.MmioIsWrite] != 0, length, value);
    }

    private ulong? ProgramCounter(int vcpu)
    {
        ulong pc = 0;
        var register = new KvmOneRegister { Id = KvmArm64.ProgramCounter, Address = (ulong)(&pc) };
        return Libc.Ioctl(vcpu, KvmIoctl.GetOneRegister, (nint)(&register)) == 0 ? pc : null;
    }
}
