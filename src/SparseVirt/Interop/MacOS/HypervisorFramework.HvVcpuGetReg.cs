using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class HypervisorFramework
{
    /// <summary><c>hv_return_t hv_vcpu_get_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t *value)</c>.</summary>
    [LibraryImport(Libraries.HypervisorFramework, EntryPoint = "hv_vcpu_get_reg")]
    internal static unsafe partial int HvVcpuGetReg(ulong vcpu, uint register, ulong* value);
}
