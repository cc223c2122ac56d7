using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvSetVirtualProcessorRegisters(WHV_PARTITION_HANDLE, UINT32 VpIndex, const WHV_REGISTER_NAME*, UINT32 RegisterCount, const WHV_REGISTER_VALUE*)</c>; the values are 16-byte aligned.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvSetVirtualProcessorRegisters")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int WHvSetVirtualProcessorRegisters(SafeWhvPartitionHandle partition, uint vpIndex, uint* registerNames, uint registerCount, WhvRegisterValue* registerValues);
}
