namespace SparseVirt.Hypervisor;

/// <summary>One set-up call of the KVM trial guest and its outcome.</summary>
public sealed record KvmTrialStep
{
    /// <summary>The call, such as <c>KVM_SET_USER_MEMORY_REGION</c> or <c>mmap(vcpu)</c>.</summary>
    public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>What it returned.</summary>
    public SystemCallOutcome Outcome { get; init => field = value ?? new(); } = new();
}
