using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>The state one expansion (of one or several pieces) shares: options, progress and statistics.</summary>
internal sealed class ExpansionRun
{
    public ExpansionRun(SparseExpandOptions? options, IProgress<SparseExpandProgress>? progress, long totalBytes)
    {
        Options = options ?? SparseExpandOptions.Default;
        Logger = Options.Logger ?? NullLogger.Instance;
        Progress = new ProgressReporter(progress, totalBytes);
    }

    public SparseExpandOptions Options { get; }

    public ILogger Logger { get; }

    public ProgressReporter Progress { get; }

    public ExpansionStatistics Statistics { get; } = new();

    /// <summary>Cleared when copy_file_range turned out not to work between the files, so it is not retried per chunk.</summary>
    public bool KernelCopyWorks { get; set; } = true;

    public void Finish(long rawLength)
    {
        Progress.Finish();
        ExpansionStatistics s = Statistics;
        DecodingLog.Expanded(Logger, rawLength, s.RawBytes, s.FillBytes, s.ZeroBytes, s.SkippedBytes, s.ChecksumsVerified);
    }
}
