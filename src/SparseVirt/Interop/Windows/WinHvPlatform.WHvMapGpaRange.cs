using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvMapGpaRange(WHV_PARTITION_HANDLE, VOID* SourceAddress, WHV_GUEST_PHYSICAL_ADDRESS, UINT64 SizeInBytes, WHV_MAP_GPA_RANGE_FLAGS)</c>: maps page-aligned host memory into the partition.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvMapGpaRange")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int WHvMapGpaRange(SafeWhvPartitionHandle partition, void* sourceAddress, ulong guestAddress, ulong sizeInBytes, uint flags);
}
