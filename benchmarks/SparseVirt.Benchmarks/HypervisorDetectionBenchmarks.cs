using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using SparseVirt.Hypervisor;
using SparseVirt.Hypervisor.Collection.KvmTrial;
using SparseVirt.Interop;

namespace SparseVirt.Benchmarks;

/// <summary>
/// The whole host check (CPUID, statx/open/ioctls on /dev/kvm, procfs and sysfs reads, /etc/passwd and /etc/group)
/// against its budget of 50 ms (the KVM trial guest included where /dev/kvm exists), the trial guest's own cost on a
/// fresh VM, and the pure verdict function alone.
/// </summary>
[MemoryDiagnoser]
public class HypervisorDetectionBenchmarks
{
    private HostFacts _facts = new();

    [GlobalSetup]
    public void CollectOnce() => _facts = HostVirtualization.CollectFacts();

    [Benchmark(Description = "HostVirtualization.Detect()")]
    public HostVirtualizationReport Detect() => HostVirtualization.Detect();

    /// <summary>
    /// KVM_CREATE_VM and the trial guest alone. Where /dev/kvm is missing or refuses a VM it measures only the failed
    /// open or ioctl, and says so in its result (Supported is false, or the facts are empty).
    /// </summary>
    [Benchmark(Description = "KVM_CREATE_VM + trial guest")]
    public KvmTrialFacts? TrialGuest()
    {
        using SafeFileDescriptorHandle device = SafeFileDescriptorHandle.Open(HostVirtualizationOptions.DefaultKvmDevicePath, Libc.OpenReadWrite | Libc.OpenCloseOnExec);
        if (device.IsInvalid)
        {
            return null;
        }
        using var vm = new SafeFileDescriptorHandle(Libc.Ioctl(device, KvmIoctl.CreateVm, 0));
        if (vm.IsInvalid)
        {
            return null;
        }
        int runArea = Libc.Ioctl(device, KvmIoctl.GetVcpuMmapSize, 0);
        return KvmTrialGuest.Run(device, vm, runArea, RuntimeInformation.ProcessArchitecture, CancellationToken.None);
    }

    [Benchmark(Description = "VirtualizationJudge.Judge(facts)")]
    public VirtualizationVerdict Judge() => VirtualizationJudge.Judge(_facts);

    [Benchmark(Description = "report.ToJson()")]
    public string ToJson() => HostVirtualizationReport.FromFacts(_facts).ToJson();
}
