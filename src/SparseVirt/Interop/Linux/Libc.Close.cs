using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>int close(int fd)</c>; only <see cref="SafeFileDescriptorHandle"/> calls it.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fileDescriptor);
}
