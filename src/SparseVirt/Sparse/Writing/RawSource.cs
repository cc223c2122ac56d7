namespace SparseVirt.Sparse;

/// <summary>
/// Raw data on its way into a sparse image, read in pieces: data read into the caller's buffer, or a hole (a run
/// known to be zeros, skipped without reading).
/// </summary>
internal abstract class RawSource
{
    /// <summary>The file a data piece's <see cref="RawPiece.FileOffset"/> refers to; null when the source is not a file.</summary>
    public virtual Microsoft.Win32.SafeHandles.SafeFileHandle? File => null;

    /// <summary>
    /// Reads the next piece. A data piece fills <paramref name="buffer"/> with whole blocks, except the last piece of
    /// the source, which may end inside a block; a hole covers whole blocks, or runs to the end of the source.
    /// </summary>
    /// <returns>The piece; a length of 0 means the source is exhausted.</returns>
    public abstract ValueTask<RawPiece> ReadAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken);
}

/// <summary>One piece of a <see cref="RawSource"/>.</summary>
/// <param name="IsHole">True when the piece is a hole: zeros that were not read.</param>
/// <param name="Length">The piece's length in bytes (0 at the end of the source).</param>
/// <param name="FileOffset">
/// Where a data piece's bytes lie in <see cref="RawSource.File"/>, so a writer can copy them file to file in the
/// kernel instead of writing them back out of the buffer; -1 when the source is not a file.
/// </param>
internal readonly record struct RawPiece(bool IsHole, long Length, long FileOffset = -1);
