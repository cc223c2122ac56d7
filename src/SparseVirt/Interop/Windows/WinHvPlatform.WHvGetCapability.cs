using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class WinHvPlatform
{
    /// <summary><c>HRESULT WHvGetCapability(WHV_CAPABILITY_CODE, VOID*, UINT32, UINT32*)</c>.</summary>
    [LibraryImport(Libraries.WinHvPlatform, EntryPoint = "WHvGetCapability")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int WHvGetCapability(int capabilityCode, void* capabilityBuffer, uint capabilityBufferSizeInBytes, out uint writtenSizeInBytes);
}
