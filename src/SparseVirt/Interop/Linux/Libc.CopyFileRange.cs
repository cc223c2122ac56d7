using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// copy_file_range(2): copies up to <paramref name="length"/> bytes between two files inside the kernel, updating
    /// both offsets. Returns the bytes copied (0 at the end of the input) or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "copy_file_range", SetLastError = true)]
    internal static unsafe partial nint CopyFileRange(SafeFileHandle input, long* inputOffset, SafeFileHandle output, long* outputOffset, nuint length, uint flags);
}
