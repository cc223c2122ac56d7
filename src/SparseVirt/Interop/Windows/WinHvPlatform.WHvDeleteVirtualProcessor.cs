using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvDeleteVirtualProcessor(WHV_PARTITION_HANDLE, UINT32 VpIndex)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvDeleteVirtualProcessor")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvDeleteVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex);
}
