using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>uid_t geteuid(void)</c>; cannot fail.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUid();
}
