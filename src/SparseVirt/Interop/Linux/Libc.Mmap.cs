using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    internal const int ProtRead = 0x1;
    internal const int MapShared = 0x01;

    // The same value on x86-64 and arm64 (asm-generic); it faults the whole mapping in at once, far cheaper than a
    // page fault per page while the mapping is read.
    internal const int MapPopulate = 0x8000;

    /// <summary>The value mmap(2) returns on failure.</summary>
    internal static readonly nint MapFailed = -1;

    /// <summary>
    /// mmap(2) of a file: maps <paramref name="length"/> bytes of <paramref name="file"/> from
    /// <paramref name="offset"/> (a multiple of the page size). Returns the address, or <see cref="MapFailed"/> with
    /// errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, SafeFileHandle file, long offset);
}
