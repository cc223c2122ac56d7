using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>int ioctl(int fd, unsigned long request, ...)</c> with one integer argument. Calling the variadic function
    /// through a fixed signature is sound on the Linux x86-64 and arm64 ABIs, where integer variadic arguments travel
    /// in the same registers as fixed ones.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileDescriptorHandle fileDescriptor, nuint request, nint argument);
}
