using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Qmp;

/// <summary>QEMU's version numbers.</summary>
public sealed record QmpVersionNumbers
{
    /// <summary>The major version.</summary>
    [JsonPropertyName("major")]
    public int Major { get; init; }

    /// <summary>The minor version.</summary>
    [JsonPropertyName("minor")]
    public int Minor { get; init; }

    /// <summary>The micro version.</summary>
    [JsonPropertyName("micro")]
    public int Micro { get; init; }

    /// <summary>As a <see cref="Version"/>.</summary>
    public Version ToVersion() => new(Major, Minor, Micro);
}
