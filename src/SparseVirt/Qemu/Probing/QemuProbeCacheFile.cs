using System.Collections.Immutable;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace SparseVirt.Qemu.Probing;

/// <summary>
/// A probe kept on disk between processes, as libvirt keeps its QEMU capabilities: one JSON file per binary path
/// holding QEMU's replies and the binary's size and modification time when it was probed. A file that does not match
/// the binary, cannot be read, or is not what this class writes is ignored (and replaced by the next probe): the cache
/// only ever saves a probe, it never decides one.
/// </summary>
internal static class QemuProbeCacheFile
{
    private const string Format = "sparsevirt-qemu-probe/1";

    // A probe of a full qemu-system-x86_64 is about 0.5 MB; anything far larger was not written by this class.
    private const long MaxFileBytes = 32L * 1024 * 1024;

    /// <summary>The cache file for the binary at <paramref name="binaryPath"/> (a hash of its full path, so each binary has one).</summary>
    public static string PathFor(string directory, string binaryPath) =>
        Path.Combine(directory, $"qemu-{XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(binaryPath)):x16}.json");

    /// <summary>The replies cached for <paramref name="binaryPath"/> as it is now (same size and modification time), or null.</summary>
    public static QemuProbeReplies? TryLoad(string directory, string binaryPath, (long Size, long Ticks) identity)
    {
        try
        {
            string file = PathFor(directory, binaryPath);
            var info = new FileInfo(file);
            if (!info.Exists || info.Length > MaxFileBytes)
            {
                return null;
            }
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || root.GetProperty("format").GetString() != Format
                || root.GetProperty("binary").GetString() != binaryPath
                || root.GetProperty("size").GetInt64() != identity.Size
                || root.GetProperty("modified").GetInt64() != identity.Ticks)
            {
                return null;
            }
            var devices = ImmutableDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty device in root.GetProperty("deviceProperties").EnumerateObject())
            {
                devices[device.Name] = device.Value.Clone();
            }
            var missing = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (JsonElement device in root.GetProperty("missingDevices").EnumerateArray())
            {
                missing.Add(device.GetString() ?? throw new InvalidDataException("A missing device is not a string."));
            }
            return new QemuProbeReplies(
                Version.Parse(root.GetProperty("version").GetString() ?? ""),
                root.GetProperty("schema").Clone(),
                root.GetProperty("machines").Clone(),
                root.GetProperty("cpuModels").Clone(),
                root.GetProperty("types").Clone(),
                root.GetProperty("accelerators").Clone(),
                devices.ToImmutable(),
                missing.ToImmutable());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException
            or KeyNotFoundException or FormatException or ArgumentException or OverflowException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Saves <paramref name="replies"/> for <paramref name="binaryPath"/> (written to a temporary file, then renamed,
    /// so a reader never sees half a file). Returns false when the folder cannot be written; the probe stands anyway.
    /// </summary>
    public static bool TrySave(string directory, string binaryPath, (long Size, long Ticks) identity, QemuProbeReplies replies)
    {
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            else
            {
                Directory.CreateDirectory(directory);
            }
            using AtomicFileOutput output = AtomicFileOutput.Create(PathFor(directory, binaryPath));
            using (var writer = new Utf8JsonWriter(output.Stream))
            {
                writer.WriteStartObject();
                writer.WriteString("format", Format);
                writer.WriteString("binary", binaryPath);
                writer.WriteNumber("size", identity.Size);
                writer.WriteNumber("modified", identity.Ticks);
                writer.WriteString("version", replies.Version.ToString());
                writer.WriteStartArray("missingDevices");
                foreach (string device in replies.MissingDevices.Order(StringComparer.Ordinal))
                {
                    writer.WriteStringValue(device);
                }
                writer.WriteEndArray();
                writer.WriteStartObject("deviceProperties");
                foreach ((string device, JsonElement reply) in replies.DeviceProperties.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(device);
                    reply.WriteTo(writer);
                }
                writer.WriteEndObject();
                Write(writer, "schema", replies.Schema);
                Write(writer, "machines", replies.Machines);
                Write(writer, "cpuModels", replies.CpuModels);
                Write(writer, "types", replies.Types);
                Write(writer, "accelerators", replies.Accelerators);
                writer.WriteEndObject();
            }
            output.Commit();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;   // the temporary file, if any, went with the output
        }
    }

    private static void Write(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        value.WriteTo(writer);
    }
}
