using SparseVirt.Interop;

namespace SparseVirt.Hypervisor.Collection.KvmTrial;

/// <summary>
/// What the run area (<c>struct kvm_run</c>, the same layout on x86-64 and arm64) says about an exit, as a fact: pure
/// reads of the bytes the kernel wrote, so the tests feed it hand-made run areas.
/// </summary>
internal static unsafe class KvmRunExits
{
    /// <summary>The exit's reason and the details of its kind (internal error, failed entry, MMIO, system event).</summary>
    public static KvmTrialExit Describe(byte* run)
    {
        uint reason = *(uint*)(run + KvmRunLayout.ExitReason);
        var exit = new KvmTrialExit { Reason = KvmRunLayout.ExitName(reason), ReasonCode = (int)reason };
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
                ulong address = *(ulong*)(run + KvmRunLayout.MmioAddress);
                return exit with { Address = address, Data = [address] };
            case KvmRunLayout.ExitSystemEvent:
                return exit with { SystemEventType = (int)*(uint*)(run + KvmRunLayout.SystemEventType) };
            default:
                return exit;
        }
    }

    /// <summary>
    /// The words a failed trial reports its last exit in. <paramref name="pointerName"/> names the guest's instruction
    /// pointer (<c>RIP</c>, <c>PC</c>), <paramref name="address"/> its value when read.
    /// </summary>
    public static string FailureText(KvmTrialExit exit, ulong? address, string? instruction, string pointerName)
    {
        string where = instruction is not null ? $" at {instruction} (guest {pointerName} 0x{address:X})" : address is { } known ? $" at guest {pointerName} 0x{known:X}" : "";
        return (uint?)exit.ReasonCode switch
        {
            KvmRunLayout.ExitInternalError => $"KVM_EXIT_INTERNAL_ERROR, suberror {exit.Suberror} ({SuberrorName(exit.Suberror)}){where}",
            KvmRunLayout.ExitFailEntry => $"KVM_EXIT_FAIL_ENTRY, hardware entry failure reason 0x{exit.HardwareReason:X}: the CPU refused to enter the guest",
            KvmRunLayout.ExitShutdown => $"KVM_EXIT_SHUTDOWN (a triple fault){where}",
            KvmRunLayout.ExitHalt => "the guest halted before reporting every result",
            KvmRunLayout.ExitMmio => $"KVM_EXIT_MMIO: the guest touched guest-physical 0x{exit.Address:X} outside its memory{where}",
            KvmRunLayout.ExitSystemEvent => $"KVM_EXIT_SYSTEM_EVENT of type {exit.SystemEventType} ({SystemEventName(exit.SystemEventType)}){where}",
            _ => $"unexpected exit KVM_EXIT_{exit.Reason.ToUpperInvariant()} ({exit.ReasonCode}){where}",
        };
    }

    /// <summary>The types of <c>KVM_EXIT_SYSTEM_EVENT</c> (<c>KVM_SYSTEM_EVENT_*</c>).</summary>
    internal static string SystemEventName(int? type) => type switch
    {
        1 => "shutdown",
        2 => "reset",
        3 => "crash",
        _ => "other",
    };

    /// <summary>The suberrors of <c>KVM_EXIT_INTERNAL_ERROR</c> (<c>KVM_INTERNAL_ERROR_*</c>).</summary>
    internal static string SuberrorName(int? suberror) => suberror switch
    {
        1 => "emulation failure",
        2 => "simultaneous exceptions",
        3 => "event delivery failed",
        4 => "unexpected exit reason",
        _ => "unknown suberror",
    };
}
