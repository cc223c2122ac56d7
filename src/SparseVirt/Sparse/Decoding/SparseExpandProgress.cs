namespace SparseVirt.Sparse;

/// <summary>How far an expansion has come, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="BytesExpanded">Output bytes produced so far (holes and skipped ranges count: they are done too).</param>
/// <param name="TotalBytes">The output bytes all pieces will produce, or -1 while unknown (a streamed image's header not read yet).</param>
public readonly record struct SparseExpandProgress(long BytesExpanded, long TotalBytes)
{
    /// <summary>The fraction done, from 0 to 1 (0 while the total is unknown or zero).</summary>
    public double Fraction => TotalBytes > 0 ? Math.Clamp((double)BytesExpanded / TotalBytes, 0, 1) : 0;
}
