using System.Collections.Immutable;
using System.Text.Json;

namespace SparseVirt.Qemu.Probing;

/// <summary>
/// QEMU's own replies to a probe, kept as they came: built into <see cref="QemuBinaryCapabilities"/> by one function
/// whether they were just received or read back from a probe cache file, so a cached probe means exactly what a live
/// one does.
/// </summary>
/// <param name="Version">QEMU's version, from the QMP greeting.</param>
/// <param name="Schema">The <c>query-qmp-schema</c> reply.</param>
/// <param name="Machines">The <c>query-machines</c> reply.</param>
/// <param name="CpuModels">The <c>query-cpu-definitions</c> reply.</param>
/// <param name="Types">The <c>qom-list-types</c> reply for concrete types.</param>
/// <param name="Accelerators">The <c>qom-list-types</c> reply for types implementing <c>accel</c>.</param>
/// <param name="DeviceProperties">The <c>device-list-properties</c> reply of each device probed.</param>
/// <param name="MissingDevices">Devices asked for that the binary does not have.</param>
internal sealed record QemuProbeReplies(
    Version Version,
    JsonElement Schema,
    JsonElement Machines,
    JsonElement CpuModels,
    JsonElement Types,
    JsonElement Accelerators,
    ImmutableDictionary<string, JsonElement> DeviceProperties,
    ImmutableHashSet<string> MissingDevices)
{
    /// <summary>Whether these replies answer for every device in <paramref name="devices"/> (its properties, or that it is missing).</summary>
    public bool Covers(IEnumerable<string> devices) => devices.All(device => DeviceProperties.ContainsKey(device) || MissingDevices.Contains(device));

    /// <summary>The devices these replies answer for.</summary>
    public IEnumerable<string> DevicesCovered => DeviceProperties.Keys.Concat(MissingDevices);

    /// <summary>The capabilities these replies describe.</summary>
    /// <exception cref="InvalidDataException">A reply does not have the shape QEMU gives it.</exception>
    public QemuBinaryCapabilities ToCapabilities(string binaryPath)
    {
        var machines = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement machine in Array(Machines, "query-machines"))
        {
            AddString(machines, machine, "name");
            AddString(machines, machine, "alias");
        }
        var accelerators = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement type in Array(Accelerators, "qom-list-types implements=accel"))
        {
            if (type.ValueKind == JsonValueKind.Object && type.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String
                && name.GetString() is { } accel && accel.EndsWith("-accel", StringComparison.Ordinal))
            {
                accelerators.Add(accel[..^"-accel".Length]);
            }
        }
        var properties = ImmutableDictionary.CreateBuilder<string, ImmutableHashSet<string>>(StringComparer.Ordinal);
        foreach ((string device, JsonElement reply) in DeviceProperties)
        {
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (JsonElement property in Array(reply, $"device-list-properties {device}"))
            {
                AddString(names, property, "name");
            }
            properties[device] = names.ToImmutable();
        }
        return new QemuBinaryCapabilities
        {
            BinaryPath = binaryPath,
            Version = Version,
            Machines = machines.ToImmutable(),
            CpuModels = Names(CpuModels, "query-cpu-definitions"),
            Types = Names(Types, "qom-list-types"),
            Accelerators = accelerators.ToImmutable(),
            DeviceProperties = properties.ToImmutable(),
            Schema = QemuQmpSchema.Parse(Schema),
        };
    }

    /// <summary>The <c>name</c> of each entry of a reply that lists named things (types, CPU models).</summary>
    /// <exception cref="InvalidDataException">The reply is not an array.</exception>
    internal static ImmutableHashSet<string> Names(JsonElement reply, string what)
    {
        var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement item in Array(reply, what))
        {
            AddString(names, item, "name");
        }
        return names.ToImmutable();
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement reply, string what) =>
        reply.ValueKind == JsonValueKind.Array
            ? reply.EnumerateArray()
            : throw new InvalidDataException($"The {what} reply is a {reply.ValueKind}, not an array.");

    private static void AddString(ImmutableHashSet<string>.Builder set, JsonElement item, string property)
    {
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String)
        {
            set.Add(value.GetString()!);
        }
    }
}
