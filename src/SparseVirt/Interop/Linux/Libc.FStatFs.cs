using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// The size of <c>struct statfs</c> on 64-bit Linux (x86-64 and arm64): 120 bytes, <c>f_type</c> (a 64-bit
    /// <c>__fsword_t</c>) first. Buffers are made a little larger so a different libc layout cannot overrun them.
    /// </summary>
    internal const int StatFsBufferSize = 256;

    /// <summary>
    /// <c>int fstatfs(int fd, struct statfs *buf)</c>: describes the file system holding an open file; its first field
    /// is the file system's magic number (linux/magic.h). 0, or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fstatfs", SetLastError = true)]
    internal static unsafe partial int FStatFs(SafeFileHandle file, byte* buffer);
}
