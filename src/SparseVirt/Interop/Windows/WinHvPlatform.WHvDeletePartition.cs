using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvDeletePartition(WHV_PARTITION_HANDLE)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvDeletePartition")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvDeletePartition(nint partition);
}
