using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>R_OK</c>.</summary>
    internal const int AccessRead = 4;

    /// <summary><c>W_OK</c>.</summary>
    internal const int AccessWrite = 2;

    /// <summary><c>AT_EACCESS</c>: check with the effective ids, as <c>open</c> does, not the real ones.</summary>
    internal const int AtEffectiveAccess = 0x200;

    /// <summary><c>int faccessat(int dirfd, const char *path, int mode, int flags)</c>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "faccessat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FAccessAt(int directoryFileDescriptor, string path, int mode, int flags);
}
