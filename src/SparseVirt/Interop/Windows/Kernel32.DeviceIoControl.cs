using System.Runtime.InteropServices;

namespace SparseVirt.Interop;

internal static partial class Kernel32
{
    /// <summary><c>BOOL DeviceIoControl(...)</c> without overlapped I/O; nonzero on success.</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    internal static unsafe partial int DeviceIoControl(
        SafeHandle device, uint ioControlCode, void* inBuffer, uint inBufferSize, void* outBuffer, uint outBufferSize, out uint bytesReturned, nint overlapped);
}
