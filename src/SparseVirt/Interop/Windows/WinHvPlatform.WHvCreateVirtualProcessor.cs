using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvCreateVirtualProcessor(WHV_PARTITION_HANDLE, UINT32 VpIndex, UINT32 Flags)</c>; flags must be 0.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvCreateVirtualProcessor")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvCreateVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex, uint flags);
}
