using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>PROT_READ | PROT_WRITE</c>.</summary>
    internal const int ProtectReadWrite = 0x1 | 0x2;

    /// <summary><c>MAP_SHARED</c>: the mapping of a KVM vCPU's run area must be shared with the kernel.</summary>
    internal const int MapShared = 0x01;

    /// <summary><c>MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE</c>: fresh zeroed memory, committed page by page on touch.</summary>
    internal const int MapPrivateAnonymous = 0x02 | 0x20 | 0x4000;

    /// <summary><c>MAP_FAILED</c>, the result of a failed <c>mmap</c>.</summary>
    internal static readonly nint MapFailed = -1;

    /// <summary><c>void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)</c>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fileDescriptor, long offset);

    /// <summary><c>int munmap(void *addr, size_t length)</c>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);

    /// <summary>
    /// <c>int ioctl(int fd, unsigned long request, ...)</c> on a raw descriptor, for the KVM trial's vCPU loop, whose
    /// descriptors are owned by the thread that runs it rather than by a <see cref="SafeFileDescriptorHandle"/>.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fileDescriptor, nuint request, nint argument);
}
