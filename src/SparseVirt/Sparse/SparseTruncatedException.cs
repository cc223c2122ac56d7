namespace SparseVirt.Sparse;

/// <summary>
/// A sparse image ends before the data its headers declare. The message says what was being read, at which chunk
/// and byte offset, and how many bytes were missing.
/// </summary>
public class SparseTruncatedException : EndOfStreamException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public SparseTruncatedException()
        : base("The sparse image ends before the data its headers declare.")
    {
    }

    /// <summary>Creates the exception with the given message.</summary>
    public SparseTruncatedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the given message and cause.</summary>
    public SparseTruncatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a truncation found while reading a chunk or the file header.</summary>
    /// <param name="problem">What was being read and what is missing.</param>
    /// <param name="chunkIndex">The chunk being read, or null for the file header.</param>
    /// <param name="byteOffset">The byte offset where the data ran out.</param>
    public SparseTruncatedException(string problem, int? chunkIndex, long? byteOffset)
        : base(SparseErrorLocation.Describe(problem, chunkIndex, byteOffset))
    {
        ChunkIndex = chunkIndex;
        ByteOffset = byteOffset;
        SparseErrorInfo.WithLocation(this, chunkIndex, byteOffset);
    }

    /// <summary>The index of the chunk being read when the data ran out (null for the file header).</summary>
    public int? ChunkIndex { get; }

    /// <summary>The byte offset in the sparse image where the data ran out.</summary>
    public long? ByteOffset { get; }
}
