using System.Runtime.InteropServices;

namespace SparseVirt.Hypervisor.Interop;

internal static partial class Libc
{
    /// <summary><c>O_RDONLY</c>.</summary>
    internal const int OpenReadOnly = 0x0;

    /// <summary><c>O_RDWR</c>.</summary>
    internal const int OpenReadWrite = 0x2;

    /// <summary><c>O_CLOEXEC</c> (02000000 octal, the same on x86-64 and the generic ABI arm64 uses).</summary>
    internal const int OpenCloseOnExec = 0x80000;

    /// <summary><c>int open(const char *path, int flags)</c>; no mode argument because nothing is created.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafeFileDescriptorHandle Open(string path, int flags);
}
