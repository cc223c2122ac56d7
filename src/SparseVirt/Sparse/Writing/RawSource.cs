namespace SparseVirt.Sparse;

/// <summary>
/// Raw data on its way into a sparse image, read in pieces: data read into the caller's buffer, or a hole (a run
/// known to be zeros, skipped without reading).
/// </summary>
internal abstract class RawSource
{
    /// <summary>
    /// Reads the next piece. A data piece fills <paramref name="buffer"/> with whole blocks, except the last piece of
    /// the source, which may end inside a block; a hole covers whole blocks, or runs to the end of the source.
    /// </summary>
    /// <returns>The piece; a length of 0 means the source is exhausted.</returns>
    public abstract ValueTask<RawPiece> ReadAsync(Memory<byte> buffer, bool useAsync, CancellationToken cancellationToken);
}

/// <summary>One piece of a <see cref="RawSource"/>.</summary>
/// <param name="IsHole">True when the piece is a hole: zeros that were not read.</param>
/// <param name="Length">The piece's length in bytes (0 at the end of the source).</param>
internal readonly record struct RawPiece(bool IsHole, long Length);
