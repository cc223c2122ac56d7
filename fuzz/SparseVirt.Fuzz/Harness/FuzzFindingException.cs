namespace SparseVirt.Fuzz.Harness;

/// <summary>An oracle failed: not a rejection of bad input but a bug (paths disagree, a bound was broken). Never expected.</summary>
internal sealed class FuzzFindingException : Exception
{
    public FuzzFindingException()
    {
    }

    public FuzzFindingException(string message)
        : base(message)
    {
    }

    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
