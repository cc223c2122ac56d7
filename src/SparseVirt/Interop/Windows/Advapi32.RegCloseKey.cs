using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Advapi32
{
    /// <summary><c>LSTATUS RegCloseKey(HKEY)</c>.</summary>
    [LibraryImport(Libraries.Advapi32)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int RegCloseKey(nint key);
}
