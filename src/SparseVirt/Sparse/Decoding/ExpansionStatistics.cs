namespace SparseVirt.Sparse;

/// <summary>What one expansion did, by kind of output range, for the closing log line.</summary>
internal sealed class ExpansionStatistics
{
    public long RawBytes { get; set; }

    public long FillBytes { get; set; }

    public long ZeroBytes { get; set; }

    public long SkippedBytes { get; set; }

    public int ChecksumsVerified { get; set; }
}
