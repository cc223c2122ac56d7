namespace SparseVirt.Sparse;

/// <summary>
/// Where in a sparse image a decoding error was found. The library throws <see cref="InvalidDataException"/> for
/// format violations (the type is sealed, so there is no subclass) and <see cref="SparseTruncatedException"/> for
/// truncation; both messages name the problem, the chunk and the byte offset, and both carry the location in
/// <see cref="Exception.Data"/> under the keys below so callers need not parse messages.
/// </summary>
public static class SparseErrorInfo
{
    /// <summary>The <see cref="Exception.Data"/> key of the chunk index (an <see cref="int"/>), absent for file-header problems.</summary>
    public const string ChunkIndexKey = "SparseVirt.Sparse.ChunkIndex";

    /// <summary>The <see cref="Exception.Data"/> key of the byte offset in the sparse image (a <see cref="long"/>).</summary>
    public const string ByteOffsetKey = "SparseVirt.Sparse.ByteOffset";

    /// <summary>The <see cref="Exception.Data"/> key of the checksum the image records, on checksum mismatches (a <see cref="uint"/>).</summary>
    public const string ExpectedCrc32Key = "SparseVirt.Sparse.ExpectedCrc32";

    /// <summary>The <see cref="Exception.Data"/> key of the checksum of the data, on checksum mismatches (a <see cref="uint"/>).</summary>
    public const string ActualCrc32Key = "SparseVirt.Sparse.ActualCrc32";

    /// <summary>The index of the chunk at fault, if the exception came from sparse decoding and names one.</summary>
    public static int? GetChunkIndex(Exception exception) =>
        exception?.Data[ChunkIndexKey] is int index ? index : null;

    /// <summary>The byte offset in the sparse image where the problem lies, if the exception carries one.</summary>
    public static long? GetByteOffset(Exception exception) =>
        exception?.Data[ByteOffsetKey] is long offset ? offset : null;

    /// <summary>True when the exception reports a CRC32 or image checksum mismatch.</summary>
    public static bool IsChecksumMismatch(Exception exception) =>
        exception?.Data.Contains(ExpectedCrc32Key) == true;

    internal static TException WithLocation<TException>(TException exception, int? chunkIndex, long? byteOffset)
        where TException : Exception
    {
        if (chunkIndex is int index)
        {
            exception.Data[ChunkIndexKey] = index;
        }
        if (byteOffset is long offset)
        {
            exception.Data[ByteOffsetKey] = offset;
        }
        return exception;
    }
}
