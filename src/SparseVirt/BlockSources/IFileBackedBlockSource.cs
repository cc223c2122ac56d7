using Microsoft.Win32.SafeHandles;

namespace SparseVirt.BlockSources;

/// <summary>
/// A block source some of whose ranges are stored as they read, byte for byte, in a file: a raw image, the RAW chunks
/// of a sparse image, a partition inside either. A writer can then copy those ranges file to file inside the kernel
/// (<c>copy_file_range</c>) instead of reading them into memory and writing them out again.
/// </summary>
/// <remarks>
/// Optional: a source that does not implement it is read with <see cref="IBlockSource.Read"/>, and so is any range it
/// reports as not in a file. Like the rest of a source, safe to call from several threads at once.
/// </remarks>
public interface IFileBackedBlockSource : IBlockSource
{
    /// <summary>
    /// Describes the longest run that starts at <paramref name="offset"/>, at most <paramref name="length"/> bytes
    /// long, that is either stored contiguously in one file (the run names the file and where) or not stored in a
    /// file at all (generated, filled, a hole: the run names no file, and the range must be read).
    /// </summary>
    /// <param name="offset">Where the run starts.</param>
    /// <param name="length">The most the caller wants described (positive).</param>
    /// <returns>A run of between 1 and <paramref name="length"/> bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <c>[0, Length)</c>, or is empty.</exception>
    BlockFileRun GetFileRun(long offset, long length);
}

/// <summary>A run of a block source and, when it is stored in a file, where (see <see cref="IFileBackedBlockSource"/>).</summary>
/// <param name="Length">The run's length in bytes.</param>
/// <param name="File">
/// The file holding the run's bytes, or null when they are not stored in a file. Borrowed from the source: valid while
/// the source is open, opened for reading, never disposed or repositioned by the caller (read it at an offset).
/// </param>
/// <param name="FileOffset">Where in <see cref="File"/> the run's first byte is (0 when there is no file).</param>
public readonly record struct BlockFileRun(long Length, SafeFileHandle? File, long FileOffset)
{
    /// <summary>True when the run's bytes are stored in <see cref="File"/>.</summary>
    public bool IsInFile => File is not null;

    /// <summary>A run of <paramref name="length"/> bytes that is not stored in a file.</summary>
    public static BlockFileRun NotInFile(long length) => new(length, null, 0);
}
