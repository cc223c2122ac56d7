using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>gid_t getgid(void)</c>; cannot fail.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getgid")]
    internal static partial uint GetGid();
}
