using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary>
    /// <c>hv_vm_create</c>: on Apple silicon it takes an <c>hv_vm_config_t</c> (NULL for the defaults), on Intel
    /// <c>hv_vm_options_t</c> flags (<c>HV_VM_DEFAULT</c> = 0); both are one pointer-sized zero here.
    /// </summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vm_create")]
    internal static partial int HvVmCreate(nint configOrFlags);
}
