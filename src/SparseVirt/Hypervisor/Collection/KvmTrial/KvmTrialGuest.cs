using System.Runtime.InteropServices;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Runs the trial guest for this architecture on a VM just created, on a thread of its own, and waits for it no
/// longer than a deadline. No signal handler and no child process: the check runs inside other programs' processes
/// (installers, and through the C interface non-.NET hosts). At the deadline the vCPU's <c>immediate_exit</c> is set,
/// which ends the next <c>KVM_RUN</c>; a guest that never exits again would keep its thread, which then frees what
/// it holds whenever the kernel returns, while the caller goes on with the facts so far.
/// </summary>
internal static class KvmTrialGuest
{
    /// <summary>
    /// How long the trial may run. Hardware virtualization runs it in well under a millisecond; the PVM host of
    /// issue 21 fails at its compare-exchange after about 15 ms of emulated loops.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(200);

    // After the deadline, how long a vCPU told to stop may take to come back before the caller stops waiting.
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(100);

    public static KvmTrialFacts Run(SafeFileDescriptorHandle device, SafeFileDescriptorHandle vm, long runAreaSize, Architecture architecture, CancellationToken cancellationToken)
    {
        if (Refusal(runAreaSize, architecture) is { } refused)
        {
            return refused;
        }

        var recorder = new KvmTrialRecorder(X86KvmTrial.ProgramDescription, Deadline);
        bool deviceReferenced = false, vmReferenced = false;
        device.DangerousAddRef(ref deviceReferenced);
        vm.DangerousAddRef(ref vmReferenced);
        var trial = new X86KvmTrial((int)device.DangerousGetHandle(), (int)vm.DangerousGetHandle(), (int)runAreaSize, recorder);
        using var done = new ManualResetEventSlim();
        var thread = new Thread(
            () =>
            {
                try
                {
                    trial.Execute();
                }
                finally
                {
                    // The descriptors stay open until this thread is done with them, however long the caller waited.
                    vm.DangerousRelease();
                    device.DangerousRelease();
                    SetQuietly(done);
                }
            },
            maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "sparsevirt kvm trial",
        };
        using (cancellationToken.Register(trial.RequestStop))
        {
            thread.Start();
            if (!done.Wait(Deadline))
            {
                trial.RequestStop();
                if (!done.Wait(Grace))
                {
                    recorder.TimedOut(null);
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return recorder.Snapshot();
    }

    // No trial for another architecture, or for a run area whose size the kernel reported wrongly.
    private static KvmTrialFacts? Refusal(long runAreaSize, Architecture architecture)
    {
        if (architecture != Architecture.X64)
        {
            return new KvmTrialFacts
            {
                Supported = false,
                NotSupportedReason = $"no trial guest is written for {architecture}: KVM_CREATE_VM is the last proof on this architecture",
            };
        }
        if (runAreaSize is < 4096 or > 1 << 20)
        {
            return new KvmTrialFacts
            {
                Supported = true,
                Program = X86KvmTrial.ProgramDescription,
                FailedAt = "KVM_GET_VCPU_MMAP_SIZE",
                Failure = $"KVM_GET_VCPU_MMAP_SIZE gave {runAreaSize} bytes, outside 4 KiB to 1 MiB",
                DeadlineMilliseconds = Deadline.TotalMilliseconds,
            };
        }
        return null;
    }

    // The caller may have stopped waiting and disposed the event; the thread's late signal then goes nowhere.
    private static void SetQuietly(ManualResetEventSlim done)
    {
        try
        {
            done.Set();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
