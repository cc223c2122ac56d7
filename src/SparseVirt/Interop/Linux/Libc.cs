namespace SparseVirt.Interop;

/// <summary>
/// The Linux C library functions the areas call, one <c>LibraryImport</c> per function, each in its own file
/// (<c>Libc.Name.cs</c>). Flag and errno values are Linux's (the same on x86-64 and arm64); another Unix gets its
/// own class, because its numbers differ.
/// </summary>
internal static partial class Libc
{
    /// <summary><c>AT_FDCWD</c>: a relative path is resolved from the current directory.</summary>
    internal const int AtCurrentWorkingDirectory = -100;

    /// <summary><c>AT_EMPTY_PATH</c>: with an empty path, the call describes the descriptor itself (like fstat).</summary>
    internal const int AtEmptyPath = 0x1000;
}
