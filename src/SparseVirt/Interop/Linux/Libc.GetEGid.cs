using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>gid_t getegid(void)</c>; cannot fail.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getegid")]
    internal static partial uint GetEffectiveGid();
}
