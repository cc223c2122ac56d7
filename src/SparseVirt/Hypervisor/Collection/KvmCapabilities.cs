using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Collection;

/// <summary>The <c>KVM_CAP_*</c> ids (linux/kvm.h) the probe asks about: the ones a VM launcher decides on.</summary>
internal static class KvmCapabilities
{
    public static IReadOnlyList<(string Name, int Id)> For(Architecture architecture)
    {
        var list = new List<(string, int)>
        {
            ("IRQCHIP", 0),          // in-kernel interrupt controller
            ("USER_MEMORY", 3),      // KVM_SET_USER_MEMORY_REGION
            ("NR_VCPUS", 9),         // recommended vCPUs per VM
            ("NR_MEMSLOTS", 10),     // memory slots per VM
            ("MAX_VCPUS", 66),       // maximum vCPUs per VM
            ("MAX_VCPU_ID", 128),    // largest vCPU id plus one
            ("IMMEDIATE_EXIT", 136), // kvm_run.immediate_exit
            ("NESTED_STATE", 157),   // nested state save/restore (size in bytes, x86)
        };
        if (architecture == Architecture.Arm64)
        {
            list.Add(("ARM_VM_IPA_SIZE", 165)); // largest guest physical address width in bits
        }
        if (architecture is Architecture.X64 or Architecture.X86)
        {
            list.Add(("VM_TYPES", 235)); // bit mask of supported KVM_X86_*_VM types
        }
        return list;
    }
}
