using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Kernel32
{
    /// <summary><c>BOOL VirtualFree(LPVOID, SIZE_T, DWORD dwFreeType)</c>; with <see cref="MemRelease"/> the size is 0.</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "VirtualFree", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int VirtualFree(nint address, nuint size, uint freeType);
}
