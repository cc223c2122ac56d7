using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>int getgroups(int size, gid_t list[])</c>: the supplementary groups of this process.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getgroups", SetLastError = true)]
    internal static unsafe partial int GetGroups(int size, uint* list);
}
