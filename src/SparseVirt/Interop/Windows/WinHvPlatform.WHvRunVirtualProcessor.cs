using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvRunVirtualProcessor(WHV_PARTITION_HANDLE, UINT32 VpIndex, VOID* ExitContext, UINT32 ExitContextSizeInBytes)</c>: runs until an exit, described in a <c>WHV_RUN_VP_EXIT_CONTEXT</c> (224 bytes).</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvRunVirtualProcessor")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int WHvRunVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex, void* exitContext, uint exitContextSizeInBytes);
}
