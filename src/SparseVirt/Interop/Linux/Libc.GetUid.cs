using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>uid_t getuid(void)</c>; cannot fail.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getuid")]
    internal static partial uint GetUid();
}
