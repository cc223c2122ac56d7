using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The medium inserted in a block device (<c>inserted</c> of <c>query-block</c>).</summary>
public sealed record QmpBlockDeviceInfo
{
    /// <summary>The image file name as QEMU sees it.</summary>
    [JsonPropertyName("file")]
    public string File { get; init; } = "";

    /// <summary>The node name of the top block node.</summary>
    [JsonPropertyName("node-name")]
    public string? NodeName { get; init; }

    /// <summary>Whether the medium is read-only.</summary>
    [JsonPropertyName("ro")]
    public bool ReadOnly { get; init; }

    /// <summary>The format driver, e.g. <c>raw</c> or <c>qcow2</c>.</summary>
    [JsonPropertyName("drv")]
    public string Driver { get; init; } = "";
}
