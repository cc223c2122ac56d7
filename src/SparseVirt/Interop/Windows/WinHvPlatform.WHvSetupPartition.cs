using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvSetupPartition(WHV_PARTITION_HANDLE)</c>: where the hypervisor actually creates the partition.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvSetupPartition")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvSetupPartition(SafeWhvPartitionHandle partition);
}
