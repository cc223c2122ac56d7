using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// What the base was when an overlay was made, kept next to the overlay (<c>FILE.qcow2.base.json</c>): the backing
/// reference and format the header records, and the base's content identity: the file that identifies it (the backing
/// file, or for an NBD export the image it serves, <see cref="QemuOverlay.WithIdentitySource"/>), its
/// <see cref="OverlayFileStamp"/> and the XxHash128 of its whole content. Version 2; version 1 records (size and
/// modification time only) are read, and their base is hashed once to upgrade them.
/// </summary>
internal sealed record OverlayBaseRecord
{
    public const int CurrentVersion = 2;

    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    [JsonPropertyName("backing")]
    public string Backing { get; init; } = "";

    [JsonPropertyName("backingFormat")]
    public string BackingFormat { get; init; } = "";

    [JsonPropertyName("identitySource")]
    public string? IdentitySource { get; init; }

    [JsonPropertyName("stamp")]
    public OverlayFileStamp? Stamp { get; init; }

    [JsonPropertyName("contentHash")]
    public string? ContentHash { get; init; }

    // Version 1 only: kept so an old record still reads.
    [JsonPropertyName("size")]
    public long? Size { get; init; }

    [JsonPropertyName("modifiedUtcTicks")]
    public long? ModifiedUtcTicks { get; init; }
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OverlayBaseRecord))]
internal sealed partial class OverlayJsonContext : JsonSerializerContext
{
}
