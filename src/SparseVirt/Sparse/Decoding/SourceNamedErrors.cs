namespace SparseVirt.Sparse;

/// <summary>
/// Puts the name of the input (its path) in front of a format or truncation error's message, keeping the
/// exception's type and its location data, so a tool printing the message says which file is bad.
/// </summary>
internal static class SourceNamedErrors
{
    /// <summary>The same error with <paramref name="source"/> named first, or null when it is not a sparse-image error.</summary>
    public static Exception? Name(Exception error, string source)
    {
        Exception? named = error switch
        {
            SparseTruncatedException truncated => new SparseTruncatedException($"{source}: {truncated.Message}", truncated),
            InvalidDataException invalid => new InvalidDataException($"{source}: {invalid.Message}", invalid),
            _ => null,
        };
        if (named is not null)
        {
            foreach (System.Collections.DictionaryEntry entry in error.Data)
            {
                named.Data[entry.Key] = entry.Value;
            }
        }
        return named;
    }
}
