using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Libc
{
    /// <summary><c>O_DIRECTORY</c> (0200000 octal on x86-64; 040000 on arm64's generic ABI).</summary>
    internal static int OpenDirectory => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary><c>int fsync(int fd)</c>: on a folder, makes the names created or renamed in it durable.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeFileDescriptorHandle fileDescriptor);
}
