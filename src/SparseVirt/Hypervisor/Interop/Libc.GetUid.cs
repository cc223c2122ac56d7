using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>uid_t getuid(void)</c>; cannot fail.</summary>
    [LibraryImport(LibraryName, EntryPoint = "getuid")]
    internal static partial uint GetUid();
}
