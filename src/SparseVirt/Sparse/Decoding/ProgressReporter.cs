namespace SparseVirt.Sparse;

/// <summary>
/// Forwards expansion progress to the caller's <see cref="IProgress{T}"/> at a bounded rate (every 64 MiB and at the
/// end), since <see cref="Progress{T}"/> posts each report to a synchronization context.
/// </summary>
internal sealed class ProgressReporter(IProgress<SparseExpandProgress>? progress, long totalBytes)
{
    private const long ReportEvery = 64L * 1024 * 1024;
    private long _done;
    private long _lastReported = -1;

    public long TotalBytes { get; set; } = totalBytes;

    public void Advance(long bytes)
    {
        _done += bytes;
        if (progress is not null && _done - _lastReported >= ReportEvery)
        {
            Report();
        }
    }

    public void Finish()
    {
        if (progress is not null && _lastReported != _done)
        {
            Report();
        }
    }

    private void Report()
    {
        _lastReported = _done;
        progress!.Report(new SparseExpandProgress(_done, TotalBytes));
    }
}
