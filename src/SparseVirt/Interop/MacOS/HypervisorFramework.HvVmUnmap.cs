using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vm_unmap(hv_ipa_t ipa, size_t size)</c>.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vm_unmap")]
    internal static partial int HvVmUnmap(ulong ipa, nuint size);
}
