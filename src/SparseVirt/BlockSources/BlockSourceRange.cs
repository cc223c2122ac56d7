namespace SparseVirt.BlockSources;

/// <summary>Argument checks every block source applies the same way.</summary>
public static class BlockSourceRange
{
    /// <summary>Throws unless <c>[offset, offset + count)</c> lies within <c>[0, length]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range starts before 0 or ends after <paramref name="length"/>.</exception>
    public static void Check(long offset, long count, long length)
    {
        // Written so that no sum can overflow: offset and count are each checked against length first.
        if (offset < 0 || count < 0 || offset > length || count > length - offset)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), $"The range [{offset}, {offset}+{count}) does not lie within the source's {length} bytes.");
        }
    }

    /// <summary>
    /// Appends <paramref name="extent"/> to a run being built, merging it into <paramref name="pending"/> when it
    /// continues it with the same kind; returns the extent to emit now, if any.
    /// </summary>
    /// <remarks>Lets an implementation merge adjacent same-kind extents with one line in its enumerator.</remarks>
    public static BlockExtent? Merge(ref BlockExtent? pending, BlockExtent extent)
    {
        if (extent.Length <= 0)
        {
            return null;
        }
        if (pending is { } run && run.Kind == extent.Kind && run.End == extent.Offset)
        {
            pending = run with { Length = run.Length + extent.Length };
            return null;
        }
        BlockExtent? ready = pending;
        pending = extent;
        return ready;
    }
}
