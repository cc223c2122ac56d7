using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>F_SETPIPE_SZ</c>: sets a pipe's capacity (rounded up to a power-of-two number of pages) and returns the capacity set.</summary>
    internal const int FSetPipeSize = 1031;

    /// <summary><c>int fcntl(int fd, int cmd, int arg)</c> for the commands that take an integer; -1 with errno set on failure.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(SafeFileHandle fileDescriptor, int command, int argument);
}
