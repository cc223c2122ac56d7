namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>Compares large byte arrays quickly, reporting the first difference (NUnit's collection comparison is slow on megabytes).</summary>
internal static class ByteAssert
{
    public static void Equal(byte[] expected, byte[] actual, string? what = null)
    {
        int common = expected.AsSpan().CommonPrefixLength(actual);
        Assert.That(common == expected.Length && actual.Length == expected.Length, Is.True,
            $"{what ?? "the output"} differs: {actual.Length} bytes where {expected.Length} were expected; first difference at byte {common}");
    }
}
