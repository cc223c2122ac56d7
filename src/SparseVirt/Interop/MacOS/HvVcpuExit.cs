using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary>
/// <c>hv_vcpu_exit_t</c> (Hypervisor/hv_vcpu_types.h, Apple silicon): <c>hv_exit_reason_t reason</c> (32 bits), then
/// <c>hv_vcpu_exit_exception_t</c>: <c>syndrome</c> (ESR_EL2), <c>virtual_address</c> (FAR), <c>physical_address</c>
/// (the faulting IPA), each 64 bits from offset 8; 32 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HvVcpuExit
{
    public uint Reason;
    public uint Padding;
    public ulong Syndrome;
    public ulong VirtualAddress;
    public ulong PhysicalAddress;
}

/// <summary>The Apple silicon constants the trial uses (hv_vcpu_types.h, hv_vm_types.h).</summary>
internal static class HvArm64
{
    /// <summary><c>hv_reg_t</c>: <c>HV_REG_X0</c> to <c>HV_REG_X30</c> are 0 to 30, then <c>PC</c>, <c>FPCR</c>, <c>FPSR</c>, <c>CPSR</c>.</summary>
    public const uint RegisterX0 = 0, RegisterPc = 31, RegisterCpsr = 34;

    /// <summary><c>HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC</c>.</summary>
    public const ulong MemoryReadWriteExecute = 1 | 2 | 4;

    /// <summary><c>hv_exit_reason_t</c>.</summary>
    public const uint ExitCanceled = 0, ExitException = 1, ExitVtimerActivated = 2, ExitUnknown = 3;

    /// <summary>PSTATE of EL1h with D, A, I and F masked, as a kernel is entered (and KVM resets a vCPU to).</summary>
    public const ulong El1hMasked = 0x3C5;

    /// <summary>Apple silicon's page size: what <c>hv_vm_map</c> aligns to.</summary>
    public const int PageSize = 16384;
}
