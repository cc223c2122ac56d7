using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vcpu_create(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config)</c> (Apple silicon): a vCPU owned by the calling thread, and where its exits are described; <c>config</c> NULL for the defaults.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vcpu_create")]
    internal static unsafe partial int HvVcpuCreate(ulong* vcpu, HvVcpuExit** exit, nint config);
}
