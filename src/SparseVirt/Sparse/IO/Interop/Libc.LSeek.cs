using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse.IO.Interop;

internal static partial class Libc
{
    /// <summary><c>SEEK_DATA</c>: the next offset at or after the given one that holds data (Linux, FreeBSD, Solaris).</summary>
    internal const int SeekData = 3;

    /// <summary><c>SEEK_HOLE</c>: the next offset at or after the given one that starts a hole (or the end of the file).</summary>
    internal const int SeekHole = 4;

    /// <summary><c>ENXIO</c>: <c>SEEK_DATA</c>/<c>SEEK_HOLE</c> asked about an offset at or past the end of the file, or no data follows.</summary>
    internal const int ENXIO = 6;

    /// <summary><c>EINVAL</c>: the file system does not know the <c>whence</c> value.</summary>
    internal const int EINVAL = 22;

    /// <summary><c>off_t lseek(int fd, off_t offset, int whence)</c>; returns -1 and sets errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(SafeFileHandle fd, long offset, int whence);
}
