namespace SparseVirt.Hypervisor;

/// <summary>The operating system and processor architecture.</summary>
public sealed record OperatingSystemFacts
{
    /// <summary>The operating system family.</summary>
    public OperatingSystemKind Kind { get; init; }

    /// <summary>The runtime's description of the system (<c>RuntimeInformation.OSDescription</c>).</summary>
    public string? Description { get; init; }

    /// <summary>The kernel release (<c>/proc/sys/kernel/osrelease</c> on Linux).</summary>
    public string? KernelRelease { get; init; }

    /// <summary>The processor architecture as .NET names it: <c>X64</c>, <c>Arm64</c> ...</summary>
    public string Architecture { get; init => field = value ?? ""; } = "";
}
