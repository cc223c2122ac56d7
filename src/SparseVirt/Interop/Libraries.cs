namespace SparseVirt.Interop;

/// <summary>
/// The native library names every <c>LibraryImport</c> in the foundation uses, one constant per library, so no
/// declaration spells a library name itself. Other platforms' libraries (kernel32, Hypervisor.framework ...) join here.
/// </summary>
internal static class Libraries
{
    /// <summary>The C library; the runtime resolves "libc" to the platform's one (libc.so.6 on glibc Linux).</summary>
    internal const string Libc = "libc";
}
