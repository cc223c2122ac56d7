using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The reply of <c>query-version</c>, also found in the greeting.</summary>
public sealed record QmpVersionInfo
{
    /// <summary>The version numbers.</summary>
    [JsonPropertyName("qemu")]
    public QmpVersionNumbers Qemu { get; init; } = new();

    /// <summary>The distribution's package string, e.g. <c>Debian 1:7.2+dfsg-7</c>.</summary>
    [JsonPropertyName("package")]
    public string Package { get; init; } = "";
}
