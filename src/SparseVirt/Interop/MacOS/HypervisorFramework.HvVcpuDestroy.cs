using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vcpu_destroy(hv_vcpu_t vcpu)</c>, on the thread that created it.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vcpu_destroy")]
    internal static partial int HvVcpuDestroy(ulong vcpu);
}
