using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>gid_t getgid(void)</c>; cannot fail.</summary>
    [LibraryImport(LibraryName, EntryPoint = "getgid")]
    internal static partial uint GetGid();
}
