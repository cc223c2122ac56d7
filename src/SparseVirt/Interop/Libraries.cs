namespace SparseVirt.Interop;

/// <summary>
/// The native library names every <c>LibraryImport</c> in the foundation uses, one constant per library, so no
/// declaration spells a library name itself. Windows' and macOS' libraries are here too.
/// </summary>
internal static class Libraries
{
    /// <summary>The C library; the runtime resolves "libc" to the platform's one (libc.so.6 on glibc Linux).</summary>
    internal const string Libc = "libc";

    /// <summary>Windows' registry functions.</summary>
    internal const string Advapi32 = "advapi32.dll";

    /// <summary>Windows' base API (devices, processor features).</summary>
    internal const string Kernel32 = "kernel32.dll";

    /// <summary>The Windows Hypervisor Platform; present only where its optional feature is on, so it is loaded with a probe first.</summary>
    internal const string WinHvPlatform = "WinHvPlatform.dll";

    /// <summary>Apple's Hypervisor.framework, by its absolute path (frameworks are not on a search path).</summary>
    internal const string HypervisorFramework = "/System/Library/Frameworks/Hypervisor.framework/Hypervisor";

    /// <summary>macOS' C library (sysctlbyname).</summary>
    internal const string LibSystem = "/usr/lib/libSystem.dylib";
}
