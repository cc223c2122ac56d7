using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

/// <summary><c>struct kvm_vcpu_init</c> (arm64 asm/kvm.h): the target CPU and feature bits, 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmVcpuInit
{
    public uint Target;
    public fixed uint Features[7];
}

/// <summary><c>struct kvm_one_reg</c> (linux/kvm.h): a register id and the user address of its value, 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmOneRegister
{
    public ulong Id;
    public ulong Address;
}

/// <summary>The arm64 register ids and vCPU features the trial uses (arm64 asm/kvm.h and linux/kvm.h).</summary>
internal static class KvmArm64
{
    /// <summary>
    /// A core register's id: <c>KVM_REG_ARM64</c> (0x6000000000000000) | <c>KVM_REG_SIZE_U64</c> (0x0030000000000000) |
    /// <c>KVM_REG_ARM_CORE</c> (0x0010 &lt;&lt; 16) | the register's offset in <c>struct kvm_regs</c> in 32-bit words.
    /// <c>struct kvm_regs</c> begins with <c>struct user_pt_regs</c>: <c>regs[31]</c>, <c>sp</c>, <c>pc</c>, <c>pstate</c>.
    /// </summary>
    public static ulong CoreRegister(int byteOffset) => 0x6030_0000_0010_0000UL | (uint)(byteOffset / 4);

    /// <summary><c>KVM_REG_ARM_CORE_REG(regs.pc)</c>: <c>pc</c> follows 31 general registers and <c>sp</c>, at byte 256.</summary>
    public static readonly ulong ProgramCounter = CoreRegister(32 * 8);

    /// <summary><c>KVM_ARM_VCPU_PSCI_0_2</c>: the vCPU gets PSCI 0.2, whose <c>SYSTEM_OFF</c> the trial ends with.</summary>
    public const int FeaturePsci02 = 2;

    /// <summary><c>KVM_SYSTEM_EVENT_SHUTDOWN</c>: what PSCI <c>SYSTEM_OFF</c> becomes.</summary>
    public const int SystemEventShutdown = 1;

    /// <summary>
    /// <c>KVM_EXIT_ARM_NISV</c>: a data abort without a valid syndrome, which KVM gives user space only when asked
    /// to; otherwise such an access fails <c>KVM_RUN</c> with ENOSYS.
    /// </summary>
    public const uint ExitArmNisv = 28;
}
