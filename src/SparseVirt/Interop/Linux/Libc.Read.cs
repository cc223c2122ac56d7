using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>ssize_t read(int fd, void *buf, size_t count)</c>: reads at the descriptor's own position, which is what a
    /// pipe has (positional reads fail on one). Returns the bytes read (0 at the end) or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeFileHandle fileDescriptor, byte* buffer, nuint count);
}
