using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vm_destroy(void)</c>: destroys this process's VM.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vm_destroy")]
    internal static partial int HvVmDestroy();
}
