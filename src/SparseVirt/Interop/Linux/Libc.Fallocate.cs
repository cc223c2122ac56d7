using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>FALLOC_FL_KEEP_SIZE: the file's length does not change.</summary>
    internal const int FallocKeepSize = 0x01;

    /// <summary>FALLOC_FL_PUNCH_HOLE: deallocate the range so it reads as zeros (needs FALLOC_FL_KEEP_SIZE).</summary>
    internal const int FallocPunchHole = 0x02;

    /// <summary>fallocate(2): allocates or, with <see cref="FallocPunchHole"/>, deallocates a byte range. 0 or -1 with errno set.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fallocate64", SetLastError = true)]
    internal static partial int Fallocate(SafeFileHandle file, int mode, long offset, long length);
}
