using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>ssize_t pread(int fd, void *buf, size_t count, off_t offset)</c>. The msr driver takes the MSR index as the
    /// file offset, and AMD's indexes (0xC001xxxx) need the full 64-bit <c>off_t</c> of the LP64 ABIs.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint PRead(SafeFileDescriptorHandle fileDescriptor, void* buffer, nuint count, long offset);
}
