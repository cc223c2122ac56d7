using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

// Exit decoding: what the run area says about an exit that ends the trial, and the words a failed trial reports it in.
internal sealed unsafe partial class X86KvmTrial
{
    private static KvmTrialExit DescribeExit(byte* run, uint reason, double at)
    {
        var exit = new KvmTrialExit { Reason = KvmRunLayout.ExitName(reason), ReasonCode = (int)reason, AtMicroseconds = at };
        switch (reason)
        {
            case KvmRunLayout.ExitInternalError:
                uint count = Math.Min(*(uint*)(run + KvmRunLayout.InternalDataCount), KvmRunLayout.InternalDataMax);
                var data = new ulong[count];
                for (int i = 0; i < count; i++)
                {
                    data[i] = ((ulong*)(run + KvmRunLayout.InternalData))[i];
                }
                return exit with { Suberror = (int)*(uint*)(run + KvmRunLayout.InternalSuberror), Data = data };
            case KvmRunLayout.ExitFailEntry or KvmRunLayout.ExitUnknown:
                return exit with { HardwareReason = *(ulong*)(run + KvmRunLayout.Details) };
            case KvmRunLayout.ExitMmio:
                return exit with { HardwareReason = null, Data = [*(ulong*)(run + KvmRunLayout.MmioAddress)] };
            default:
                return exit;
        }
    }

    private static string FailureText(KvmTrialExit exit, uint reason, ulong? rip, string? instruction)
    {
        string where = instruction is not null ? $" at {instruction} (guest RIP 0x{rip:X})" : rip is { } address ? $" at guest RIP 0x{address:X}" : "";
        return reason switch
        {
            KvmRunLayout.ExitInternalError => $"KVM_EXIT_INTERNAL_ERROR, suberror {exit.Suberror} ({SuberrorName(exit.Suberror)}){where}",
            KvmRunLayout.ExitFailEntry => $"KVM_EXIT_FAIL_ENTRY, hardware entry failure reason 0x{exit.HardwareReason:X}: the CPU refused to enter the guest",
            KvmRunLayout.ExitShutdown => $"KVM_EXIT_SHUTDOWN (a triple fault){where}",
            KvmRunLayout.ExitHalt => $"the guest halted before reporting every result{where}",
            KvmRunLayout.ExitMmio => $"KVM_EXIT_MMIO: the guest touched guest-physical 0x{exit.Data?[0]:X} outside its memory{where}",
            _ => $"unexpected exit KVM_EXIT_{exit.Reason.ToUpperInvariant()} ({reason}){where}",
        };
    }

    /// <summary>The suberrors of <c>KVM_EXIT_INTERNAL_ERROR</c> (<c>KVM_INTERNAL_ERROR_*</c>).</summary>
    internal static string SuberrorName(int? suberror) => suberror switch
    {
        1 => "emulation failure",
        2 => "simultaneous exceptions",
        3 => "event delivery failed",
        4 => "unexpected exit reason",
        _ => "unknown suberror",
    };

    private static ulong? InstructionPointer(int vcpu)
    {
        KvmRegisters registers;
        return Libc.Ioctl(vcpu, KvmIoctl.GetRegisters, (nint)(&registers)) == 0 ? registers.Rip : null;
    }
}
