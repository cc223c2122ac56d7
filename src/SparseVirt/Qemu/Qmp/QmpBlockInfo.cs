using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>One entry of <c>query-block</c>.</summary>
public sealed record QmpBlockInfo
{
    /// <summary>The legacy drive name (empty for disks attached with <c>-blockdev</c>).</summary>
    [JsonPropertyName("device")]
    public string Device { get; init; } = "";

    /// <summary>The guest device's QOM path or id.</summary>
    [JsonPropertyName("qdev")]
    public string? Qdev { get; init; }

    /// <summary>Whether the device has removable media.</summary>
    [JsonPropertyName("removable")]
    public bool Removable { get; init; }

    /// <summary>Whether the guest locked the media.</summary>
    [JsonPropertyName("locked")]
    public bool Locked { get; init; }

    /// <summary>The inserted medium, or <see langword="null"/> for an empty drive.</summary>
    [JsonPropertyName("inserted")]
    public QmpBlockDeviceInfo? Inserted { get; init; }
}
