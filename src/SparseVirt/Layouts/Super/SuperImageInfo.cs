using System.Text.Json;
using System.Text.Json.Serialization;

namespace SparseVirt.Layouts.Super;

/// <summary>
/// A super image described for people and scripts (<c>sparsevirt super info --json</c>): geometry, header, groups,
/// block devices and partitions with their extents. <see cref="ToJson"/> gives the stable JSON form.
/// </summary>
/// <param name="SchemaVersion">The version of the JSON layout (1).</param>
/// <param name="Slot">The slot read.</param>
/// <param name="MetadataCopy">Which copy was read: "primary", "backup" or "emptyImage".</param>
/// <param name="Geometry">The geometry.</param>
/// <param name="MajorVersion">The header's major version.</param>
/// <param name="MinorVersion">The header's minor version.</param>
/// <param name="HeaderSize">The header's size in bytes.</param>
/// <param name="HeaderFlags">The header's flags.</param>
/// <param name="Groups">The groups.</param>
/// <param name="BlockDevices">The block devices.</param>
/// <param name="Partitions">The partitions.</param>
public sealed record SuperImageInfo(
    int SchemaVersion,
    uint Slot,
    string MetadataCopy,
    LpGeometry Geometry,
    ushort MajorVersion,
    ushort MinorVersion,
    int HeaderSize,
    uint HeaderFlags,
    IReadOnlyList<LpPartitionGroup> Groups,
    IReadOnlyList<LpBlockDevice> BlockDevices,
    IReadOnlyList<SuperPartitionInfo> Partitions)
{
    /// <summary>Describes <paramref name="image"/>.</summary>
    public static SuperImageInfo FromImage(SuperImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        LpMetadata m = image.Metadata;
        return new SuperImageInfo(
            1,
            image.Slot,
            JsonNamingPolicy.CamelCase.ConvertName(image.MetadataCopy.ToString()),
            m.Geometry,
            m.MajorVersion,
            m.MinorVersion,
            m.HeaderSize,
            (uint)m.Flags,
            m.Groups,
            m.BlockDevices,
            [.. m.Partitions.Select(p => new SuperPartitionInfo(p.Name, Attributes(p.Attributes), m.GroupOf(p).Name, m.SizeOf(p), [.. m.ExtentsOf(p)]))]);
    }

    /// <summary>The JSON form (indented, camelCase).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, LayoutsJsonContext.Default.SuperImageInfo);

    /// <summary>Attribute names as lpdump prints them: readonly, slot-suffixed, updated, disabled (none when empty).</summary>
    public static string Attributes(LpPartitionAttributes attributes)
    {
        var names = new List<string>();
        if (attributes.HasFlag(LpPartitionAttributes.ReadOnly))
        {
            names.Add("readonly");
        }
        if (attributes.HasFlag(LpPartitionAttributes.SlotSuffixed))
        {
            names.Add("slot-suffixed");
        }
        if (attributes.HasFlag(LpPartitionAttributes.Updated))
        {
            names.Add("updated");
        }
        if (attributes.HasFlag(LpPartitionAttributes.Disabled))
        {
            names.Add("disabled");
        }
        return names.Count == 0 ? "none" : string.Join(',', names);
    }
}

/// <summary>One partition of a <see cref="SuperImageInfo"/>.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Attributes">Its attributes, as names (<see cref="SuperImageInfo.Attributes"/>).</param>
/// <param name="Group">Its group's name.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Extents">Its extents.</param>
public sealed record SuperPartitionInfo(string Name, string Attributes, string Group, ulong Size, IReadOnlyList<LpExtent> Extents);

/// <summary>Source-generated JSON for the Layouts area (no reflection: trimming- and NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SuperImageInfo))]
internal sealed partial class LayoutsJsonContext : JsonSerializerContext;
