namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// Sets up and runs <see cref="X86TrialProgram"/> on a VM: one vCPU with the host's supported CPUID (as QEMU's
/// <c>-cpu host</c> starts from), long mode set through <c>KVM_SET_SREGS</c>, then <c>KVM_RUN</c> until the guest
/// halts or fails (<see cref="KvmTrialVcpu"/> does the rest).
/// </summary>
internal sealed unsafe partial class X86KvmTrial(int device, int vm, int runAreaSize, KvmTrialRecorder recorder)
    : KvmTrialVcpu(vm, runAreaSize, recorder, X86TrialProgram.Shape)
{
    private const int MaxCpuidEntries = 1024;
}
