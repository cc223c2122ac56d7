using System.Text.Json.Serialization;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// What the backing was when an overlay was made, kept next to the overlay (<c>FILE.qcow2.base.json</c>): the
/// backing reference and format the header records, and for a file its size and modification time, so a changed
/// system image is noticed even when its path stays the same.
/// </summary>
internal sealed record OverlayBaseRecord
{
    [JsonPropertyName("backing")]
    public string Backing { get; init; } = "";

    [JsonPropertyName("backingFormat")]
    public string BackingFormat { get; init; } = "";

    [JsonPropertyName("size")]
    public long? Size { get; init; }

    [JsonPropertyName("modifiedUtcTicks")]
    public long? ModifiedUtcTicks { get; init; }

    public static OverlayBaseRecord Describe(QemuOverlay overlay)
    {
        var record = new OverlayBaseRecord { Backing = overlay.BackingReference(), BackingFormat = CommandLine.QemuDiskRenderer.FormatName(overlay.BackingFormat()) };
        if (overlay.Backing is QemuNbdExport)
        {
            return record;
        }
        var file = new FileInfo(Path.GetFullPath(overlay.Backing.Describe()));
        return file.Exists ? record with { Size = file.Length, ModifiedUtcTicks = file.LastWriteTimeUtc.Ticks } : record;
    }
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, WriteIndented = true)]
[JsonSerializable(typeof(OverlayBaseRecord))]
internal sealed partial class OverlayJsonContext : JsonSerializerContext
{
}
