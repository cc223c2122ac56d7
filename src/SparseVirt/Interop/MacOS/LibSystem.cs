namespace SparseVirt.Interop;

/// <summary>macOS's C library (libSystem), one <c>LibraryImport</c> per file.</summary>
internal static partial class LibSystem
{
}
