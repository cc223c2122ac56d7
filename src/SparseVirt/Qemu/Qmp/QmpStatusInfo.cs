using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The reply of <c>query-status</c>.</summary>
public sealed record QmpStatusInfo
{
    /// <summary>Whether the guest CPUs run.</summary>
    [JsonPropertyName("running")]
    public bool Running { get; init; }

    /// <summary>The run state, e.g. <c>running</c>, <c>paused</c>, <c>prelaunch</c>, <c>shutdown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = "";
}
