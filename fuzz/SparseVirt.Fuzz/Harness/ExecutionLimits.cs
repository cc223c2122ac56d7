namespace SparseVirt.Fuzz.Harness;

/// <summary>
/// The bounds every execution is held to, besides AFL's own time limit (fuzz/run passes <c>-t</c>): the bytes
/// allocated while one input runs, and the expanded bytes a target lets the library write. A parser that allocates
/// in proportion to a size field of the input fails the first; an image that legitimately describes terabytes only
/// meets the second, which targets treat as an expected stop.
/// </summary>
internal static class ExecutionLimits
{
    /// <summary>Allocated bytes (all threads) one execution may cause, whatever the input says.</summary>
    public const long MaxAllocatedBytes = 96L * 1024 * 1024;

    /// <summary>Expanded bytes an output sink accepts before it stops the expansion.</summary>
    public const long MaxWrittenBytes = 32L * 1024 * 1024;

    /// <summary>Runs <paramref name="input"/> through <paramref name="target"/>; returns the expected rejection, if any, and throws on a finding.</summary>
    public static Exception? Execute(Targets.FuzzTarget target, byte[] input)
    {
        long before = GC.GetTotalAllocatedBytes(precise: false);
        Exception? rejection = null;
        try
        {
            target.Run(input);
        }
        catch (Exception e) when (target.IsExpected(e))
        {
            rejection = e;
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        if (allocated > MaxAllocatedBytes)
        {
            throw new FuzzFindingException($"Target {target.Name} allocated {allocated} bytes for a {input.Length}-byte input (bound {MaxAllocatedBytes}).");
        }
        return rejection;
    }
}
