using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>SPLICE_F_MOVE</c>: move pages instead of copying them where the kernel can (a hint).</summary>
    internal const uint SpliceMove = 1;

    /// <summary><c>SPLICE_F_MORE</c>: more data follows in later calls.</summary>
    internal const uint SpliceMore = 4;

    /// <summary>
    /// splice(2): moves up to <paramref name="length"/> bytes between two descriptors, one of which is a pipe, without
    /// passing them through user space. A null offset uses (and advances) the descriptor's own position, as a pipe
    /// needs; a non-null one is read and updated instead. Returns the bytes moved (0 at the end of the input) or -1
    /// with errno set (<see cref="Errno.EINVAL"/>: these descriptors cannot be spliced).
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "splice", SetLastError = true)]
    internal static unsafe partial nint Splice(SafeFileHandle input, long* inputOffset, SafeFileHandle output, long* outputOffset, nuint length, uint flags);
}
