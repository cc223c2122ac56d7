namespace SparseVirt.Sparse;

/// <summary>Formats where in a sparse image a problem was found, the same way for every exception.</summary>
internal static class SparseErrorLocation
{
    public static string Describe(string problem, int? chunkIndex, long? byteOffset) => (chunkIndex, byteOffset) switch
    {
        (int chunk, long offset) => $"Invalid sparse image: chunk {chunk} (at byte offset {offset}): {problem}",
        (int chunk, null) => $"Invalid sparse image: chunk {chunk}: {problem}",
        (null, long offset) => $"Invalid sparse image: file header (at byte offset {offset}): {problem}",
        _ => $"Invalid sparse image: {problem}",
    };
}
