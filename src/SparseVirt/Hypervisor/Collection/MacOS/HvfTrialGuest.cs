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
internal sealed unsafe class HvfTrialGuest
{
    private readonly KvmTrialRecorder _recorder;
    private readonly TrialRun _run;
    private readonly Lock _gate = new();
    private ulong _vcpu;
    private bool _vcpuExists;
    private bool _stopRequested;

    private HvfTrialGuest(KvmTrialRecorder recorder)
    {
        _recorder = recorder;
        _run = new TrialRun(Arm64TrialProgram.Shape, recorder);
    }

    /// <summary>Runs the trial on the VM that <c>hv_vm_create</c> made for this process.</summary>
    public static KvmTrialFacts Run(CancellationToken cancellationToken)
    {
        var recorder = new KvmTrialRecorder(Arm64TrialProgram.Shape, TrialThread.Deadline);
        var trial = new HvfTrialGuest(recorder);
        return TrialThread.Run(trial.Execute, trial.RequestStop, null, recorder, cancellationToken);
    }

    private void RequestStop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            if (_vcpuExists)
            {
                ulong vcpu = _vcpu;
                HypervisorFramework.HvVcpusExit(&vcpu, 1);
            }
        }
    }

    private bool StopRequested
    {
        get { lock (_gate) { return _stopRequested; } }
    }

    private void Execute()
    {
        try
        {
            ExecuteOnMemory();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // On this thread an exception would end the process: a framework without a function is a fact.
            _recorder.Fail("Hypervisor.framework", $"a function the trial needs is missing: {e.Message}");
        }
    }

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
        lock (_gate)
        {
            _vcpu = vcpu;
            _vcpuExists = true;
        }
        try
        {
            if (Call("hv_vcpu_set_reg(cpsr)", HypervisorFramework.HvVcpuSetReg(vcpu, HvArm64.RegisterCpsr, HvArm64.El1hMasked))
                && Call("hv_vcpu_set_reg(pc)", HypervisorFramework.HvVcpuSetReg(vcpu, HvArm64.RegisterPc, Arm64TrialProgram.CodeAddress)))
            {
                RunGuest(vcpu, exit, memory);
            }
        }
        finally
        {
            lock (_gate)
            {
                _vcpuExists = false;
            }
            Call("hv_vcpu_destroy", HypervisorFramework.HvVcpuDestroy(vcpu), fatal: false);
        }
    }

    private void RunGuest(ulong vcpu, HvVcpuExit* exit, ReadOnlySpan<byte> memory)
    {
        _run.Start(Stopwatch.GetTimestamp());
        for (int count = 0; count < _run.MaxExits; count++)
        {
            if (StopRequested)
            {
                _run.Stopped(null, Stopwatch.GetTimestamp());
                break;
            }
            int status = HypervisorFramework.HvVcpuRun(vcpu);
            long now = Stopwatch.GetTimestamp();
            TrialStep step;
            if (status != HypervisorFramework.Success)
            {
                step = _run.RunFailed("hv_vcpu_run", PlatformErrors.FromHypervisorReturn(status), now);
            }
            else
            {
                var syndrome = new HvfTrialExits.Syndrome(exit->Syndrome);
                ulong stored = syndrome.IsReadableStore && syndrome.Register != 31 ? Register(vcpu, HvArm64.RegisterX0 + (uint)syndrome.Register) : 0;
                ulong pc = Register(vcpu, HvArm64.RegisterPc);
                (step, bool stepOver) = HvfTrialExits.Judge(_run, *exit, stored, pc, Register(vcpu, HvArm64.RegisterX0), now, memory);
                // HVF leaves an aborted instruction to the host: PC moves past the 4-byte store here.
                if (stepOver && !Call("hv_vcpu_set_reg(pc)", HypervisorFramework.HvVcpuSetReg(vcpu, HvArm64.RegisterPc, pc + 4), record: false))
                {
                    step = TrialStep.Finish;
                }
            }
            if (step == TrialStep.Finish)
            {
                break;
            }
            if (step == TrialStep.Done)
            {
                return;
            }
        }
        _run.Finish();
    }

    private static ulong Register(ulong vcpu, uint register)
    {
        ulong value = 0;
        return HypervisorFramework.HvVcpuGetReg(vcpu, register, &value) == HypervisorFramework.Success ? value : 0;
    }

    private bool Call(string name, int status, bool fatal = true, bool record = true)
    {
        if (status == HypervisorFramework.Success)
        {
            if (record)
            {
                _recorder.Step(name, SystemCallOutcome.Success());
            }
            return true;
        }
        SystemCallOutcome failure = PlatformErrors.FromHypervisorReturn(status);
        if (fatal)
        {
            _recorder.StepFailed(name, failure);
        }
        else
        {
            _recorder.Step(name, failure);
        }
        return false;
    }
}
