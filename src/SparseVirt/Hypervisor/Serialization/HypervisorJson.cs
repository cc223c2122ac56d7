using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SparseVirt.Hypervisor.Serialization;

/// <summary>Reading and writing the JSON forms, with errors that say where the input is wrong.</summary>
internal static class HypervisorJson
{
    public static string Write<T>(T value, bool indented, Func<HypervisorJsonContext, JsonTypeInfo<T>> typeInfo) =>
        JsonSerializer.Serialize(value, typeInfo(indented ? HypervisorJsonContext.Default : HypervisorJsonContext.Compact));

    public static T Read<T>(string json, string what, JsonTypeInfo<T> typeInfo, Func<T, int> schemaVersion)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The {what} JSON is invalid at {e.Path ?? "$"} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        if (value is null)
        {
            throw new InvalidDataException($"The {what} JSON is 'null'; expected an object.");
        }
        int version = schemaVersion(value);
        if (version is < 1 or > HostVirtualizationReport.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"The {what} JSON has schemaVersion {version}; this library reads versions 1 to {HostVirtualizationReport.CurrentSchemaVersion}.");
        }
        return value;
    }
}
