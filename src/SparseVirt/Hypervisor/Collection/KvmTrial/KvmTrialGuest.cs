using System.Runtime.InteropServices;
using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Runs the trial guest for this architecture (<see cref="X86KvmTrial"/>, <see cref="Arm64KvmTrial"/>) on a VM just
/// created, on a thread of its own under <see cref="TrialThread"/>'s deadline.
/// </summary>
internal static class KvmTrialGuest
{
    /// <inheritdoc cref="TrialThread.Deadline"/>
    public static TimeSpan Deadline => TrialThread.Deadline;

    public static KvmTrialFacts Run(SafeFileDescriptorHandle device, SafeFileDescriptorHandle vm, long runAreaSize, Architecture architecture, CancellationToken cancellationToken)
    {
        ITrialProgram? program = ProgramFor(architecture);
        if (Refusal(program, runAreaSize, architecture) is { } refused)
        {
            return refused;
        }

        var recorder = new KvmTrialRecorder(program!, Deadline);
        bool deviceReferenced = false, vmReferenced = false;
        device.DangerousAddRef(ref deviceReferenced);
        vm.DangerousAddRef(ref vmReferenced);
        int deviceDescriptor = (int)device.DangerousGetHandle(), vmDescriptor = (int)vm.DangerousGetHandle();
        KvmTrialVcpu trial = architecture == Architecture.Arm64
            ? new Arm64KvmTrial(vmDescriptor, (int)runAreaSize, recorder)
            : new X86KvmTrial(deviceDescriptor, vmDescriptor, (int)runAreaSize, recorder);
        // The descriptors stay open until the trial's thread is done with them, however long the caller waited.
        return TrialThread.Run(
            trial.Execute,
            trial.RequestStop,
            () =>
            {
                vm.DangerousRelease();
                device.DangerousRelease();
            },
            recorder,
            cancellationToken);
    }

    /// <summary>The trial program for an architecture; null where none is written.</summary>
    internal static ITrialProgram? ProgramFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X86TrialProgram.Shape,
        Architecture.Arm64 => Arm64TrialProgram.Shape,
        _ => null,
    };

    // No trial for another architecture, or for a run area whose size the kernel reported wrongly.
    private static KvmTrialFacts? Refusal(ITrialProgram? program, long runAreaSize, Architecture architecture)
    {
        if (program is null)
        {
            return NotWritten(architecture, "KVM_CREATE_VM");
        }
        if (runAreaSize is < 4096 or > 1 << 20)
        {
            return new KvmTrialFacts
            {
                Supported = true,
                Architecture = program.Architecture,
                Program = program.Description,
                FailedAt = "KVM_GET_VCPU_MMAP_SIZE",
                Failure = $"KVM_GET_VCPU_MMAP_SIZE gave {runAreaSize} bytes, outside 4 KiB to 1 MiB",
                DeadlineMilliseconds = Deadline.TotalMilliseconds,
            };
        }
        return null;
    }

    /// <summary>The facts of an architecture without a trial guest: the VM's creation is the last proof there.</summary>
    internal static KvmTrialFacts NotWritten(Architecture architecture, string lastProof) => new()
    {
        Supported = false,
        NotSupportedReason = $"no trial guest is written for {architecture}: {lastProof} is the last proof on this architecture",
    };
}
