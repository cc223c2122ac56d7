using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvCreatePartition(WHV_PARTITION_HANDLE*)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvCreatePartition")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvCreatePartition(out SafeWhvPartitionHandle partition);
}
