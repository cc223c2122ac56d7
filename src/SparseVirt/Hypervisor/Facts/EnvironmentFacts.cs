namespace SparseVirt.Hypervisor;

/// <summary>Where this process runs: container, WSL, virtual machine.</summary>
public sealed record EnvironmentFacts
{
    /// <summary>True when any container evidence was found.</summary>
    public bool InContainer { get; init; }

    /// <summary>The container runtime the evidence names (<c>docker</c>, <c>podman</c>, <c>kubernetes</c>, <c>lxc</c>, <c>containerd</c>), if any.</summary>
    public string? ContainerRuntime { get; init; }

    /// <summary>Each piece of container evidence, as "where: what" lines.</summary>
    public IReadOnlyList<string> ContainerEvidence { get; init => field = value ?? []; } = [];

    /// <summary>True under the Windows Subsystem for Linux (kernel release mentions Microsoft/WSL).</summary>
    public bool InWsl { get; init; }

    /// <summary>1 or 2 under WSL (WSL1 has no KVM at all; WSL2 is a Hyper-V guest); null otherwise.</summary>
    public int? WslVersion { get; init; }

    /// <summary>True when CPUID's hypervisor-present bit is set.</summary>
    public bool InVirtualMachine { get; init; }

    /// <summary>The hypervisor's readable name when <see cref="InVirtualMachine"/>.</summary>
    public string? HypervisorName { get; init; }
}
