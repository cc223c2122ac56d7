using System.Text.Json;
using SparseVirt.Qemu.CommandLine;

namespace SparseVirt.Qemu.Probing;

/// <summary>
/// Checks a definition against what the binary offers, so an unknown machine, CPU model, accelerator, device or device
/// property is reported by name before QEMU starts instead of as a start-up failure.
/// </summary>
internal static class QemuDefinitionChecker
{
    /// <summary>Properties every device accepts that <c>device-list-properties</c> does not list.</summary>
    private static readonly HashSet<string> s_generalOptions = new(StringComparer.Ordinal) { "driver", "id", "bus" };

    /// <summary>The devices the definition uses, with their properties and where they come from.</summary>
    public static List<(string Driver, List<string> Properties, string Where)> DevicesOf(QemuMachineDefinition definition)
    {
        var devices = new List<(string, List<string>, string)>();
        List<string> arguments = QemuArgumentRenderer.Render(definition, launchSockets: null);
        int extraStart = arguments.Count - definition.ExtraArguments.Length;
        for (int i = 0; i + 1 < arguments.Count; i++)
        {
            if (arguments[i] == "-device")
            {
                string where = i >= extraStart ? $"ExtraArguments[{i + 1 - extraStart}]" : "-device";
                if (Parse(arguments[i + 1]) is { } device)
                {
                    devices.Add((device.Driver, device.Properties, where));
                }
            }
        }
        return devices;
    }

    public static List<string> GetProblems(QemuMachineDefinition definition, QemuBinaryCapabilities capabilities)
    {
        var problems = new List<string>();
        string qemu = $"QEMU {capabilities.Version} ({capabilities.BinaryPath})";
        if (!capabilities.Machines.Contains(definition.MachineType))
        {
            problems.Add($"-machine (MachineType): '{definition.MachineType}' is not a machine type of {qemu}.");
        }
        if (definition.CpuModel is { } cpu && !capabilities.CpuModels.Contains(cpu))
        {
            problems.Add($"-cpu (CpuModel): '{cpu}' is not a CPU model of {qemu}.");
        }
        foreach (QemuAccelerator accelerator in definition.Accelerators)
        {
            string name = QemuArgumentRenderer.AcceleratorName(accelerator);
            if (!capabilities.Accelerators.Contains(name))
            {
                problems.Add($"-accel (Accelerators): {qemu} has no {name} accelerator built in.");
            }
        }
        foreach ((string driver, List<string> properties, string where) in DevicesOf(definition))
        {
            if (!capabilities.Types.Contains(driver))
            {
                problems.Add($"{where}: device '{driver}' is unknown to {qemu}.");
                continue;
            }
            if (capabilities.DeviceProperties.TryGetValue(driver, out var known))
            {
                foreach (string property in properties.Where(p => !s_generalOptions.Contains(p) && !known.Contains(p)))
                {
                    problems.Add($"{where}: device '{driver}' has no property '{property}' in {qemu}.");
                }
            }
        }
        return problems;
    }

    /// <summary>A <c>-device</c> value: JSON (<c>{"driver": ...}</c>) or <c>driver,key=value,...</c> with <c>,,</c> for a comma.</summary>
    private static (string Driver, List<string> Properties)? Parse(string value)
    {
        if (value.StartsWith('{'))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(value);
                JsonElement root = document.RootElement;
                return root.TryGetProperty("driver", out JsonElement driver) && driver.ValueKind == JsonValueKind.String
                    ? (driver.GetString()!, [.. root.EnumerateObject().Select(p => p.Name)])
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        List<string> parts = SplitOptions(value);
        if (parts.Count == 0)
        {
            return null;
        }
        string first = parts[0];
        string name = first.StartsWith("driver=", StringComparison.Ordinal) ? first["driver=".Length..] : first;
        return (name, [.. parts.Skip(1).Select(part => part.Split('=', 2)[0])]);
    }

    private static List<string> SplitOptions(string value)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == ',' && i + 1 < value.Length && value[i + 1] == ',')
            {
                current.Append(',');
                i++;
            }
            else if (value[i] == ',')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(value[i]);
            }
        }
        parts.Add(current.ToString());
        return parts;
    }
}
