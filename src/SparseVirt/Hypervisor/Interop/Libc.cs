namespace SparseVirt.Hypervisor.Interop;

/// <summary>
/// The C library functions the probes call, one <c>LibraryImport</c> per function (each in its own file).
/// "libc" is resolved by the runtime to the platform's C library (libc.so.6 on glibc Linux).
/// </summary>
internal static partial class Libc
{
    internal const string LibraryName = "libc";

    /// <summary><c>AT_FDCWD</c>: paths are relative to the current directory.</summary>
    internal const int AtCurrentWorkingDirectory = -100;
}
