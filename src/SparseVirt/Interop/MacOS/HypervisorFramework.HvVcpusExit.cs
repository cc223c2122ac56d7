using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vcpus_exit(hv_vcpu_t *vcpus, uint32_t vcpu_count)</c>: makes running vCPUs return with <c>HV_EXIT_REASON_CANCELED</c>; callable from any thread.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vcpus_exit")]
    internal static unsafe partial int HvVcpusExit(ulong* vcpus, uint count);
}
