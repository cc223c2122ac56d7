namespace SparseVirt.Fuzz.Harness;

/// <summary>Thrown by <see cref="BoundedSink"/> when an expansion writes more than <see cref="ExecutionLimits.MaxWrittenBytes"/>: an expected stop, not a finding.</summary>
internal sealed class OutputLimitReachedException : IOException
{
    public OutputLimitReachedException()
    {
    }

    public OutputLimitReachedException(string message)
        : base(message)
    {
    }

    public OutputLimitReachedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
