using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>RWF_NOWAIT</c> (Linux 4.14): return what needs no waiting, or fail with EAGAIN instead of blocking.</summary>
    internal const int ReadWriteNoWait = 0x8;

    /// <summary>
    /// preadv2(2) (Linux 4.6, glibc 2.26): a positional read into <paramref name="count"/> buffers with per-call
    /// <paramref name="flags"/>. Returns the bytes read (0 at the end of the file) or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "preadv2", SetLastError = true)]
    internal static unsafe partial nint PReadV2(SafeFileHandle file, IoVector* vectors, int count, long offset, int flags);

    /// <summary><c>struct iovec</c>: one buffer of a vectored read or write.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVector
    {
        public void* Base;
        public nuint Length;
    }
}
