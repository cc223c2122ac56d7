using System.Text.Json.Serialization;
using SparseVirt.Hypervisor.Serialization;

namespace SparseVirt.Hypervisor;

/// <summary>
/// Everything the detector gathered, as plain data. The verdict is a pure function of this record
/// (<see cref="VirtualizationJudge.Judge"/>), so fact sets recorded on real machines serve as test fixtures.
/// </summary>
/// <remarks>
/// Reference-typed members throughout the fact records fall back to their empty value when JSON omits them or
/// gives null (the JSON source generator passes null for absent init-only members), so partial fact sets read
/// from JSON never hold nulls where the types promise none.
/// </remarks>
public sealed record HostFacts
{
    /// <summary>The JSON schema version these facts follow.</summary>
    [JsonRequired]
    public int SchemaVersion { get; init; } = HostVirtualizationReport.CurrentSchemaVersion;

    /// <summary>Where the facts come from: the detector's version, or a fixture's label.</summary>
    public string? Source { get; init; }

    /// <summary>Operating system and architecture.</summary>
    public OperatingSystemFacts OperatingSystem { get; init => field = value ?? new(); } = new();

    /// <summary>CPUID facts; null when the process does not run on an x86 CPU.</summary>
    public CpuFacts? Cpu { get; init; }

    /// <summary>The KVM device and the kernel's answers to the probe ioctls.</summary>
    public KvmFacts Kvm { get; init => field = value ?? new(); } = new();

    /// <summary>Kernel modules and firmware.</summary>
    public KernelFacts Kernel { get; init => field = value ?? new(); } = new();

    /// <summary>Container, WSL and virtual machine evidence.</summary>
    public EnvironmentFacts Environment { get; init => field = value ?? new(); } = new();

    /// <summary>The process's user and groups.</summary>
    public ProcessIdentityFacts Identity { get; init => field = value ?? new(); } = new();

    /// <summary>The Windows facts (schema 2); null on other systems and in schema-1 fact sets.</summary>
    public WindowsFacts? Windows { get; init; }

    /// <summary>The macOS facts (schema 2); null on other systems and in schema-1 fact sets.</summary>
    public MacOSFacts? MacOS { get; init; }

    /// <summary>The facts as JSON, in the same form as the <c>facts</c> member of a report.</summary>
    public string ToJson(bool indented = true) => HypervisorJson.Write(this, indented, context => context.HostFacts);

    /// <summary>Reads facts written by <see cref="ToJson"/> (or recorded by <c>sparsevirt check --json</c>'s <c>facts</c>).</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, not facts, or of a newer schema; the message says where.</exception>
    public static HostFacts FromJson(string json) =>
        HypervisorJson.Read(json, "hypervisor facts", HypervisorJsonContext.Default.HostFacts, facts => facts.SchemaVersion);
}
