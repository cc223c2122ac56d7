namespace SparseVirt.BlockSources;

/// <summary>
/// A read-only disk of fixed length that can be read at any offset and can say which of its ranges hold data, read
/// as zeros, or are unallocated: the shared shape through which one area's images (an expanded view of a sparse
/// image, a partition inside a super image, a composed GPT disk, a raw file) reach another area's consumers (an NBD
/// export, a disk writer) without either knowing the other.
/// </summary>
/// <remarks>
/// Implementations must allow <see cref="Read"/>, <see cref="ReadAsync"/> and <see cref="GetExtents"/> to be called
/// concurrently from several threads (a server answers many requests at once), and must not change
/// <see cref="Length"/> while in use. Whoever creates a source disposes it where it is disposable; consumers never do.
/// </remarks>
public interface IBlockSource
{
    /// <summary>The disk's length in bytes.</summary>
    long Length { get; }

    /// <summary>
    /// The source's natural block size in bytes (positive; a power of two for every image Android's tools make):
    /// reads and extent boundaries aligned to it are the cheapest. A sparse image reports its own block size; a raw
    /// file 4096.
    /// </summary>
    int BlockSize { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <c>[0, Length)</c>.</exception>
    /// <exception cref="IOException">The underlying storage cannot be read, or ends before it should.</exception>
    void Read(long offset, Span<byte> destination);

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>, asynchronously.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <c>[0, Length)</c>.</exception>
    /// <exception cref="IOException">The underlying storage cannot be read, or ends before it should.</exception>
    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Describes <c>[offset, offset + length)</c> as extents: in order, contiguous, exactly covering the range, with
    /// adjacent extents of the same kind merged. Computed from metadata (a chunk table, a partition table, the file
    /// system's allocation map), never by reading the data.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <c>[0, Length]</c>.</exception>
    IEnumerable<BlockExtent> GetExtents(long offset, long length);
}
