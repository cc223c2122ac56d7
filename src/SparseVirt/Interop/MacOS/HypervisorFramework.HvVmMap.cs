using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vm_map(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)</c>: maps page-aligned host memory (16 KiB pages on Apple silicon) into the VM.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vm_map")]
    internal static unsafe partial int HvVmMap(void* address, ulong ipa, nuint size, ulong flags);
}
