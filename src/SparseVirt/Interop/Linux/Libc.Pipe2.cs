using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>int pipe2(int pipefd[2], int flags)</c>: creates a pipe; <paramref name="fileDescriptors"/> receives the
    /// read end, then the write end. 0, or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fileDescriptors, int flags);
}
