using SparseVirt.Hypervisor.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// Everything the detector gathered, as plain data. The verdict is a pure function of this record
/// (<see cref="VirtualizationJudge.Judge"/>), so fact sets recorded on real machines serve as test fixtures.
/// </summary>
public sealed record HostFacts
{
    /// <summary>The JSON schema version these facts follow.</summary>
    public int SchemaVersion { get; init; } = HostVirtualizationReport.CurrentSchemaVersion;

    /// <summary>Where the facts come from: the detector's version, or a fixture's label.</summary>
    public string? Source { get; init; }

    /// <summary>Operating system and architecture.</summary>
    public OperatingSystemFacts OperatingSystem { get; init; } = new();

    /// <summary>CPUID facts; null when the process does not run on an x86 CPU.</summary>
    public CpuFacts? Cpu { get; init; }

    /// <summary>The KVM device and the kernel's answers to the probe ioctls.</summary>
    public KvmFacts Kvm { get; init; } = new();

    /// <summary>Kernel modules and firmware.</summary>
    public KernelFacts Kernel { get; init; } = new();

    /// <summary>Container, WSL and virtual machine evidence.</summary>
    public EnvironmentFacts Environment { get; init; } = new();

    /// <summary>The process's user and groups.</summary>
    public ProcessIdentityFacts Identity { get; init; } = new();

    /// <summary>The facts as JSON, in the same form as the <c>facts</c> member of a report.</summary>
    public string ToJson(bool indented = true) => HypervisorJson.Write(this, indented, context => context.HostFacts);

    /// <summary>Reads facts written by <see cref="ToJson"/> (or recorded by <c>sparsevirt check --json</c>'s <c>facts</c>).</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, not facts, or of a newer schema; the message says where.</exception>
    public static HostFacts FromJson(string json) =>
        HypervisorJson.Read(json, "hypervisor facts", HypervisorJsonContext.Default.HostFacts, facts => facts.SchemaVersion);
}
