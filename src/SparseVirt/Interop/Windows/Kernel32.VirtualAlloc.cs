using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Kernel32
{
    internal const uint MemCommitReserve = 0x3000;
    internal const uint MemRelease = 0x8000;
    internal const uint PageReadWrite = 0x04;

    /// <summary><c>LPVOID VirtualAlloc(LPVOID, SIZE_T, DWORD flAllocationType, DWORD flProtect)</c>: page-aligned, zeroed memory; null on failure.</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "VirtualAlloc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static partial nint VirtualAlloc(nint address, nuint size, uint allocationType, uint protect);
}
