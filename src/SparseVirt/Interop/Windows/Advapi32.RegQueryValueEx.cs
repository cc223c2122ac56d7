using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Advapi32
{
    /// <summary><c>LSTATUS RegQueryValueExW(...)</c>: returns the Win32 error code (0 on success).</summary>
    [LibraryImport(Libraries.Advapi32, EntryPoint = "RegQueryValueExW", StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int RegQueryValueEx(SafeRegistryKeyHandle key, string? valueName, nint reserved, out int type, byte* data, ref int dataSize);
}
