using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class LibSystem
{
    /// <summary><c>int sysctlbyname(const char*, void*, size_t*, void*, size_t)</c>: 0 on success, -1 with errno set.</summary>
    [LibraryImport(Libraries.LibSystem, EntryPoint = "sysctlbyname", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int SysctlByName(string name, void* oldValue, ref nuint oldLength, void* newValue, nuint newLength);
}
