using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The reply of <c>query-kvm</c>.</summary>
public sealed record QmpKvmInfo
{
    /// <summary>Whether KVM is in use for this VM.</summary>
    [JsonPropertyName("enabled")]
    public bool Enabled { get; init; }

    /// <summary>Whether this QEMU binary has KVM support built in (not whether the host has <c>/dev/kvm</c>).</summary>
    [JsonPropertyName("present")]
    public bool Present { get; init; }
}
