using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vcpu_run(hv_vcpu_t vcpu)</c>: runs until an exit, described in the vCPU's <c>hv_vcpu_exit_t</c>.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vcpu_run")]
    internal static partial int HvVcpuRun(ulong vcpu);
}
