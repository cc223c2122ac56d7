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

    /// <summary>Throws unless <c>[offset, offset + count)</c> is a non-empty range within <c>[0, length]</c> (the range an <see cref="IFileBackedBlockSource.GetFileRun"/> call describes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty, starts before 0 or ends after <paramref name="length"/>.</exception>
    internal static void CheckRun(long offset, long count, long length)
    {
        Check(offset, count, length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
    }

    /// <summary>
    /// What every source's <see cref="IBlockSource.GetExtents"/> does around its own walk: checks the range, answers an
    /// empty one with no extents, and merges what <paramref name="enumerate"/> (given start and end) yields piece by piece.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within <c>[0, sourceLength]</c>.</exception>
    internal static IEnumerable<BlockExtent> Extents(long offset, long length, long sourceLength, Func<long, long, IEnumerable<BlockExtent>> enumerate)
    {
        Check(offset, length, sourceLength);
        return length == 0 ? [] : CoalesceIterator(enumerate(offset, offset + length));
    }

    /// <summary>
    /// Joins adjacent extents of the same kind and drops empty ones, so a source can describe its ranges piece by
    /// piece (chunk by chunk, region by region) and still answer with merged extents as <see cref="IBlockSource.GetExtents"/> promises.
    /// </summary>
    public static IEnumerable<BlockExtent> Coalesce(IEnumerable<BlockExtent> extents)
    {
        ArgumentNullException.ThrowIfNull(extents);
        return CoalesceIterator(extents);
    }

    private static IEnumerable<BlockExtent> CoalesceIterator(IEnumerable<BlockExtent> extents)
    {
        BlockExtent? pending = null;
        foreach (BlockExtent extent in extents)
        {
            if (extent.Length <= 0)
            {
                continue;
            }
            if (pending is { } run && run.Kind == extent.Kind && run.End == extent.Offset)
            {
                pending = run with { Length = run.Length + extent.Length };
                continue;
            }
            if (pending is { } ready)
            {
                yield return ready;
            }
            pending = extent;
        }
        if (pending is { } last)
        {
            yield return last;
        }
    }
}
