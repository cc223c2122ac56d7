using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvUnmapGpaRange(WHV_PARTITION_HANDLE, WHV_GUEST_PHYSICAL_ADDRESS, UINT64 SizeInBytes)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvUnmapGpaRange")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int WHvUnmapGpaRange(SafeWhvPartitionHandle partition, ulong guestAddress, ulong sizeInBytes);
}
