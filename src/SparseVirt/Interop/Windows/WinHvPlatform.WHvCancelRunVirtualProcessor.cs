using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvCancelRunVirtualProcessor(WHV_PARTITION_HANDLE, UINT32 VpIndex, UINT32 Flags)</c>: makes a running (or the next) <c>WHvRunVirtualProcessor</c> return with <c>WHvRunVpExitReasonCanceled</c>; callable from any thread.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvCancelRunVirtualProcessor")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvCancelRunVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex, uint flags);
}
