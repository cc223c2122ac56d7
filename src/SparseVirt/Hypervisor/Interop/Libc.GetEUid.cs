using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>uid_t geteuid(void)</c>; cannot fail.</summary>
    [LibraryImport(LibraryName, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUid();
}
