using BenchmarkDotNet.Attributes;
using SparseVirt.Hypervisor;

namespace SparseVirt.Benchmarks;

/// <summary>
/// The whole host check (CPUID, statx/open/ioctls on /dev/kvm, procfs and sysfs reads, /etc/passwd and /etc/group)
/// against its budget of 50 ms, and the pure verdict function alone.
/// </summary>
[MemoryDiagnoser]
public class HypervisorDetectionBenchmarks
{
    private HostFacts _facts = new();

    [GlobalSetup]
    public void CollectOnce() => _facts = HostVirtualization.CollectFacts();

    [Benchmark(Description = "HostVirtualization.Detect()")]
    public HostVirtualizationReport Detect() => HostVirtualization.Detect();

    [Benchmark(Description = "VirtualizationJudge.Judge(facts)")]
    public VirtualizationVerdict Judge() => VirtualizationJudge.Judge(_facts);

    [Benchmark(Description = "report.ToJson()")]
    public string ToJson() => HostVirtualizationReport.FromFacts(_facts).ToJson();
}
