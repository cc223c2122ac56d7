namespace SparseVirt.Interop;

/// <summary>The kernel32.dll functions the Windows probes call, one <c>LibraryImport</c> per file.</summary>
internal static partial class Kernel32
{
}
