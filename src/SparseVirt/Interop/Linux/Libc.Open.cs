using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>O_RDONLY</c>.</summary>
    internal const int OpenReadOnly = 0x0;

    /// <summary><c>O_RDWR</c>.</summary>
    internal const int OpenReadWrite = 0x2;

    /// <summary><c>O_CLOEXEC</c> (02000000 octal, the same on x86-64 and the generic ABI arm64 uses).</summary>
    internal const int OpenCloseOnExec = 0x80000;

    /// <summary>
    /// <c>int open(const char *path, int flags)</c>; no mode argument because nothing is created. Returns the plain
    /// int: marshalling it straight into a SafeHandle would widen a 32-bit -1 into a pointer-sized "valid" handle.
    /// Use <see cref="SafeFileDescriptorHandle.Open"/>.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);
}
