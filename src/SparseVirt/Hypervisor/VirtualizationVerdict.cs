namespace SparseVirt.Hypervisor;

/// <summary>The judgement on a set of <see cref="HostFacts"/>: a status, a one-line reason and what to do about it.</summary>
public sealed record VirtualizationVerdict
{
    /// <summary>The status.</summary>
    public VirtualizationStatus Status { get; init; }

    /// <summary>The stable numeric value of <see cref="Status"/>, for consumers that compare numbers.</summary>
    public int StatusCode => (int)Status;

    /// <summary>One line saying why, naming the facts that decided.</summary>
    public string Reason { get; init => field = value ?? ""; } = "";

    /// <summary>Concrete steps that would make the host ready, most likely first; empty when ready.</summary>
    public IReadOnlyList<string> Remediation { get; init => field = value ?? []; } = [];
}
