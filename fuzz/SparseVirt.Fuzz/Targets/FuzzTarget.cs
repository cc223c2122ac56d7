namespace SparseVirt.Fuzz.Targets;

/// <summary>
/// One fuzzing target: a parser of the library driven with arbitrary bytes through its public API. The input is run
/// by <see cref="Run"/>; an exception for which <see cref="IsExpected"/> says yes is the library rejecting bad input
/// as documented, anything else (and a hang, or an allocation beyond <see cref="Harness.ExecutionLimits"/>) is a finding.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The name used on the command line, for the seed folder (fuzz/corpus/NAME) and the dictionary (fuzz/dict/NAME.dict).</summary>
    public abstract string Name { get; }

    /// <summary>One line saying what is driven.</summary>
    public abstract string Description { get; }

    /// <summary>Runs one input; throws <see cref="Harness.FuzzFindingException"/> when an oracle (beyond "no unexpected exception") fails.</summary>
    public abstract void Run(byte[] input);

    /// <summary>Whether <paramref name="exception"/>, thrown out of <see cref="Run"/>, is a documented rejection of the input.</summary>
    public abstract bool IsExpected(Exception exception);

    /// <summary>Valid (or interesting) inputs generated in code, written beside the checked-in seeds by <c>--write-seeds</c>.</summary>
    public virtual IEnumerable<(string Name, byte[] Bytes)> GeneratedSeeds() => [];
}
