using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Hypervisor.Collection;

namespace SparseVirt.Hypervisor;

/// <summary>
/// One call answering "can this machine run KVM-accelerated VMs, and if not, why?". No root needed, no processes
/// spawned; the kernel's answer to a trial KVM_CREATE_VM decides.
/// </summary>
/// <example>
/// <code>
/// HostVirtualizationReport report = HostVirtualization.Detect();
/// if (!report.IsReady)
/// {
///     Console.Error.WriteLine(report.Verdict.Reason);
/// }
/// </code>
/// </example>
public static class HostVirtualization
{
    /// <summary>Gathers the facts on this machine with the default options and judges them.</summary>
    public static HostVirtualizationReport Detect() => Detect(HostVirtualizationOptions.Default);

    /// <summary>Gathers the facts on this machine and judges them.</summary>
    /// <param name="options">What to probe (the device path ...).</param>
    /// <param name="logger">Receives debug details of each probe step; optional.</param>
    public static HostVirtualizationReport Detect(HostVirtualizationOptions options, ILogger? logger = null) =>
        DetectCore(options, logger, CancellationToken.None);

    /// <summary>Like <see cref="Detect()"/>, off the calling thread.</summary>
    public static Task<HostVirtualizationReport> DetectAsync(CancellationToken cancellationToken = default) =>
        DetectAsync(HostVirtualizationOptions.Default, logger: null, cancellationToken);

    /// <summary>Like <see cref="Detect(HostVirtualizationOptions, ILogger)"/>, off the calling thread.</summary>
    /// <remarks>
    /// The probe is a few dozen system calls (open, ioctl, statx, small procfs reads) that have no asynchronous
    /// forms; running them on the thread pool keeps the caller's thread free while KVM_CREATE_VM works.
    /// </remarks>
    public static Task<HostVirtualizationReport> DetectAsync(HostVirtualizationOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => DetectCore(options, logger, cancellationToken), cancellationToken);
    }

    /// <summary>Gathers the facts only, without judging them (judge with <see cref="VirtualizationJudge.Judge"/>).</summary>
    public static HostFacts CollectFacts(HostVirtualizationOptions? options = null, ILogger? logger = null) =>
        new HostFactsCollector(options ?? HostVirtualizationOptions.Default, logger ?? NullLogger.Instance).Collect(CancellationToken.None);

    private static HostVirtualizationReport DetectCore(HostVirtualizationOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        long started = Stopwatch.GetTimestamp();
        HostFacts facts = new HostFactsCollector(options, logger).Collect(cancellationToken);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        HostVirtualizationReport report = HostVirtualizationReport.FromFacts(facts) with { ElapsedMilliseconds = Math.Round(elapsed, 3) };
        HypervisorLog.Verdict(logger, report.Verdict.Status, report.Verdict.Reason, elapsed);
        return report;
    }
}
