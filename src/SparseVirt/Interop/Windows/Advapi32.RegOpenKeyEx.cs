using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Advapi32
{
    /// <summary><c>LSTATUS RegOpenKeyExW(...)</c>: returns the Win32 error code (0 on success) instead of setting the last error.</summary>
    [LibraryImport(Libraries.Advapi32, EntryPoint = "RegOpenKeyExW", StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial int RegOpenKeyEx(nint key, string subKey, int options, int desired, out SafeRegistryKeyHandle result);
}
