using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvSetPartitionProperty(WHV_PARTITION_HANDLE, WHV_PARTITION_PROPERTY_CODE, const VOID*, UINT32)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvSetPartitionProperty")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int WHvSetPartitionProperty(SafeWhvPartitionHandle partition, int propertyCode, void* propertyBuffer, uint propertyBufferSizeInBytes);
}
