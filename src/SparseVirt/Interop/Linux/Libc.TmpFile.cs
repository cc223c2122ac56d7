using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>O_TMPFILE</c> (<c>__O_TMPFILE | O_DIRECTORY</c>): an unnamed file in the given folder, which no directory lists
    /// until <c>linkat</c> names it, and which vanishes with its last descriptor, even after SIGKILL.
    /// </summary>
    internal static int OpenTemporaryFile => 0x400000 | OpenDirectory;

    /// <summary><c>AT_SYMLINK_FOLLOW</c>: link what a /proc/self/fd link points to, not the link.</summary>
    internal const int AtSymlinkFollow = 0x400;

    /// <summary><c>int open(const char *path, int flags, mode_t mode)</c>, for flags that create (O_TMPFILE).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenWithMode(string path, int flags, int mode);

    /// <summary><c>int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)</c>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LinkAt(int oldFolder, string oldPath, int newFolder, string newPath, int flags);
}
