using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.MacOS;

/// <summary>
/// Runs the arm64 trial program (<see cref="Arm64TrialProgram"/>, the KVM trial's) on the VM of this process
/// (Apple silicon): 64 KiB mapped at guest-physical 0 (<c>hv_vm_map</c>), one vCPU created, run and destroyed on the
/// trial's thread (HVF binds a vCPU to its thread), PC and CPSR (EL1h, interrupts masked) set through
/// <c>hv_vcpu_set_reg</c>, then <c>hv_vcpu_run</c>: each result is a data abort on the result window, which the host
/// completes by reading the stored register and stepping PC; <c>hvc #0</c> with PSCI <c>SYSTEM_OFF</c> ends it.
/// At the deadline <c>hv_vcpus_exit</c> stops it. Not run by this project (no Mac is reachable);
/// <see cref="HvfTrialExits"/> is tested with hand-made exits.
/// </summary>
[SupportedOSPlatform("macos")]
internal sealed unsafe class HvfTrialGuest : TrialVcpuRunner
{
    private ulong _vcpu;
    private HvVcpuExit* _exit;

    private HvfTrialGuest(KvmTrialRecorder recorder)
        : base(recorder, Arm64TrialProgram.Shape)
    {
    }

    /// <summary>Runs the trial on the VM that <c>hv_vm_create</c> made for this process.</summary>
    public static KvmTrialFacts RunOnThisVm(CancellationToken cancellationToken)
    {
        var recorder = new KvmTrialRecorder(Arm64TrialProgram.Shape, TrialThread.Deadline);
        var trial = new HvfTrialGuest(recorder);
        return TrialThread.Run(trial.Execute, trial.RequestStop, null, recorder, cancellationToken);
    }

    protected override void Interrupt()
    {
        ulong vcpu = _vcpu;
        HypervisorFramework.HvVcpusExit(&vcpu, 1);
    }

    private void Execute() => WithMissingFunctionsAsFacts("Hypervisor.framework", ExecuteOnMemory);

    private void ExecuteOnMemory()
    {
        const int Size = Arm64TrialProgram.MemorySize;
        void* memory = NativeMemory.AlignedAlloc(Size, HvArm64.PageSize);
        try
        {
            var guest = new Span<byte>(memory, Size);
            guest.Clear();
            Arm64TrialProgram.Load(guest);
            if (Call("hv_vm_map", HypervisorFramework.HvVmMap(memory, 0, Size, HvArm64.MemoryReadWriteExecute)))
            {
                RunOnVcpu(guest);
                Call("hv_vm_unmap", HypervisorFramework.HvVmUnmap(0, Size), fatal: false);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    private void RunOnVcpu(ReadOnlySpan<byte> memory)
    {
        ulong vcpu;
        HvVcpuExit* exit;
        if (!Call("hv_vcpu_create", HypervisorFramework.HvVcpuCreate(&vcpu, &exit, 0)))
        {
            return;
        }
        _vcpu = vcpu;
        _exit = exit;
        SetInterruptible(true);
        try
        {
            if (Call("hv_vcpu_set_reg(cpsr)", HypervisorFramework.HvVcpuSetReg(vcpu, HvArm64.RegisterCpsr, HvArm64.El1hMasked))
                && Call("hv_vcpu_set_reg(pc)", HypervisorFramework.HvVcpuSetReg(vcpu, HvArm64.RegisterPc, Arm64TrialProgram.CodeAddress)))
            {
                RunGuest(memory);
            }
        }
        finally
        {
            SetInterruptible(false);
            Call("hv_vcpu_destroy", HypervisorFramework.HvVcpuDestroy(vcpu), fatal: false);
        }
    }

    protected override TrialStep EnterOnce(ReadOnlySpan<byte> memory)
    {
        int status = HypervisorFramework.HvVcpuRun(_vcpu);
        long now = Stopwatch.GetTimestamp();
        if (status != HypervisorFramework.Success)
        {
            return Run.RunFailed("hv_vcpu_run", PlatformErrors.FromHypervisorReturn(status), now);
        }
        var syndrome = new HvfTrialExits.Syndrome(_exit->Syndrome);
        ulong stored = syndrome.IsReadableStore && syndrome.Register != 31 ? Register(_vcpu, HvArm64.RegisterX0 + (uint)syndrome.Register) : 0;
        ulong pc = Register(_vcpu, HvArm64.RegisterPc);
        (TrialStep step, bool stepOver) = HvfTrialExits.Judge(Run, *_exit, stored, pc, Register(_vcpu, HvArm64.RegisterX0), now, memory);
        // HVF leaves an aborted instruction to the host: PC moves past the 4-byte store here.
        int moved = stepOver ? HypervisorFramework.HvVcpuSetReg(_vcpu, HvArm64.RegisterPc, pc + 4) : HypervisorFramework.Success;
        return moved == HypervisorFramework.Success ? step : Call("hv_vcpu_set_reg(pc)", moved) ? step : TrialStep.Finish;
    }

    private static ulong Register(ulong vcpu, uint register)
    {
        ulong value = 0;
        return HypervisorFramework.HvVcpuGetReg(vcpu, register, &value) == HypervisorFramework.Success ? value : 0;
    }

    private bool Call(string name, int status, bool fatal = true) =>
        Record(name, status == HypervisorFramework.Success ? null : PlatformErrors.FromHypervisorReturn(status), fatal);
}
