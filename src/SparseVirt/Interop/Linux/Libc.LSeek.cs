using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>SEEK_DATA</c>: the next offset at or after the given one that holds data (Linux, FreeBSD, Solaris).</summary>
    internal const int SeekData = 3;

    /// <summary><c>SEEK_HOLE</c>: the next offset at or after the given one that starts a hole (or the end of the file).</summary>
    internal const int SeekHole = 4;

    /// <summary><c>off_t lseek(int fd, off_t offset, int whence)</c>; returns -1 and sets errno on failure (<see cref="Errno.ENXIO"/>: no data at or after the offset; <see cref="Errno.EINVAL"/>: the file system does not know the <c>whence</c>).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(SafeFileHandle fd, long offset, int whence);
}
