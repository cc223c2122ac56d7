using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>gid_t getegid(void)</c>; cannot fail.</summary>
    [LibraryImport(LibraryName, EntryPoint = "getegid")]
    internal static partial uint GetEffectiveGid();
}
