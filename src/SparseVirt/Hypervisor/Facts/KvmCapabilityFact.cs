namespace SparseVirt.Hypervisor;

/// <summary>One <c>KVM_CHECK_EXTENSION</c> answer on the /dev/kvm fd.</summary>
public sealed record KvmCapabilityFact
{
    /// <summary>The capability's name in linux/kvm.h without the prefix (<c>USER_MEMORY</c> for <c>KVM_CAP_USER_MEMORY</c>).</summary>
    public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>The <c>KVM_CAP_*</c> number.</summary>
    public int Id { get; init; }

    /// <summary>
    /// The kernel's answer: 0 for absent, 1 for present, or a count/size for capabilities that report one
    /// (vCPU limits, memory slots, IPA bits, VM type mask). Null when the ioctl itself failed.
    /// </summary>
    public long? Value { get; init; }

    /// <summary>The failure, when the ioctl failed.</summary>
    public SystemCallError? Error { get; init; }
}
