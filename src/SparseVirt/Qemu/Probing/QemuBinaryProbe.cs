using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu.Probing;

/// <summary>
/// Asks a QEMU binary what it offers (machines, CPU models, QOM types, device properties, the QMP schema) by starting
/// it with no machine (<c>-machine none -S</c>, QMP on stdio) and querying it. Results are cached per binary, keyed by
/// path, size and modification time, so a rebuilt or upgraded QEMU is probed again.
/// </summary>
public static class QemuBinaryProbe
{
    /// <summary>The devices whose properties are always probed: those the definition renders itself.</summary>
    public static readonly ImmutableArray<string> DefaultDevices =
        ["virtio-blk-pci", "ide-hd", "scsi-hd", "nvme", "virtio-scsi-pci", "virtio-net-pci", "virtio-serial-pci", "virtserialport", "usb-storage", "qemu-xhci"];

    private static readonly ConcurrentDictionary<string, CacheEntry> s_cache = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim s_probeLock = new(1, 1);

    /// <summary>
    /// The capabilities of <paramref name="binaryPath"/>, with the properties of <see cref="DefaultDevices"/> and of
    /// <paramref name="devices"/>; from the cache when the binary is unchanged and its entry has those devices.
    /// </summary>
    /// <exception cref="QemuStartException">The binary could not be started or did not answer.</exception>
    public static async Task<QemuBinaryCapabilities> ProbeAsync(string binaryPath, IEnumerable<string>? devices = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        string path = Path.GetFullPath(binaryPath);
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new QemuBinaryNotFoundException($"The QEMU binary '{path}' does not exist.", path);
        }
        string[] wanted = [.. DefaultDevices.Concat(devices ?? []).Distinct(StringComparer.Ordinal)];
        (long Size, long Ticks) identity = (file.Length, file.LastWriteTimeUtc.Ticks);
        if (TryCached(path, identity, wanted) is { } cached)
        {
            return cached;
        }
        await s_probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(path, identity, wanted) is { } probedMeanwhile)
            {
                return probedMeanwhile;
            }
            if (s_cache.TryGetValue(path, out CacheEntry? previous) && previous.Identity == identity)
            {
                wanted = [.. wanted.Union(previous.Capabilities.DeviceProperties.Keys.Concat(previous.MissingDevices))];
            }
            (QemuBinaryCapabilities capabilities, ImmutableHashSet<string> missing) = await ProbeCoreAsync(path, wanted, cancellationToken).ConfigureAwait(false);
            s_cache[path] = new CacheEntry(identity, capabilities, missing);
            return capabilities;
        }
        finally
        {
            s_probeLock.Release();
        }
    }

    /// <summary>Forgets every probe (benchmarks measure the cold probe with it).</summary>
    internal static void ClearCache() => s_cache.Clear();

    private static QemuBinaryCapabilities? TryCached(string path, (long, long) identity, string[] wanted) =>
        s_cache.TryGetValue(path, out CacheEntry? entry) && entry.Identity == identity
            && wanted.All(device => entry.Capabilities.DeviceProperties.ContainsKey(device) || entry.MissingDevices.Contains(device))
            ? entry.Capabilities
            : null;

    private static async Task<(QemuBinaryCapabilities, ImmutableHashSet<string>)> ProbeCoreAsync(string path, string[] devices, CancellationToken cancellationToken)
    {
        string[] arguments = ["-machine", "none", "-S", "-display", "none", "-nodefaults", "-no-user-config", "-qmp", "stdio"];
        var startInfo = new ProcessStartInfo(path, arguments) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new QemuStartException($"QEMU '{path}' could not be started to probe it.", null, [path, .. arguments], "");
        }
        catch (Win32Exception e)
        {
            throw new QemuStartException($"QEMU '{path}' could not be started to probe it: {e.Message}", null, [path, .. arguments], "", e);
        }
        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var pipe = new ProcessPipe(PipeReader.Create(process.StandardOutput.BaseStream), PipeWriter.Create(process.StandardInput.BaseStream));
            try
            {
                await using QmpClient qmp = await QmpClient.ConnectAsync(pipe, QmpClientOptions.Default.WithMaxMessageBytes(16 * 1024 * 1024), cancellationToken).ConfigureAwait(false);
                var result = await QueryAsync(qmp, path, devices, cancellationToken).ConfigureAwait(false);
                await ((Task)qmp.QuitAsync(cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return result;
            }
            catch (Exception e) when (e is QmpProtocolException or QmpConnectionClosedException or TimeoutException)
            {
                throw new QemuStartException($"QEMU '{path}' did not answer the probe: {e.Message}", process.HasExited ? process.ExitCode : null, [path, .. arguments], await Tail(stderr).ConfigureAwait(false), e);
            }
            finally
            {
                if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static async Task<string> Tail(Task<string> stderr)
    {
        await ((Task)stderr).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return stderr.IsCompletedSuccessfully ? stderr.Result : "";
    }

    private static async Task<(QemuBinaryCapabilities, ImmutableHashSet<string>)> QueryAsync(QmpClient qmp, string path, string[] devices, CancellationToken cancellationToken)
    {
        QemuQmpSchema schema = QemuQmpSchema.Parse(await qmp.ExecuteAsync("query-qmp-schema", cancellationToken).ConfigureAwait(false));
        var machines = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement machine in (await qmp.ExecuteAsync("query-machines", cancellationToken).ConfigureAwait(false)).EnumerateArray())
        {
            AddString(machines, machine, "name");
            AddString(machines, machine, "alias");
        }
        var cpus = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement cpu in (await qmp.ExecuteAsync("query-cpu-definitions", cancellationToken).ConfigureAwait(false)).EnumerateArray())
        {
            AddString(cpus, cpu, "name");
        }
        var types = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement type in (await qmp.ExecuteAsync("qom-list-types", new JsonObject { ["abstract"] = false }, cancellationToken).ConfigureAwait(false)).EnumerateArray())
        {
            AddString(types, type, "name");
        }
        var accelerators = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement type in (await qmp.ExecuteAsync("qom-list-types", new JsonObject { ["implements"] = "accel" }, cancellationToken).ConfigureAwait(false)).EnumerateArray())
        {
            if (type.TryGetProperty("name", out JsonElement name) && name.GetString() is { } accel && accel.EndsWith("-accel", StringComparison.Ordinal))
            {
                accelerators.Add(accel[..^"-accel".Length]);
            }
        }
        var properties = ImmutableDictionary.CreateBuilder<string, ImmutableHashSet<string>>(StringComparer.Ordinal);
        var missing = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (string device in devices)
        {
            if (!types.Contains(device))
            {
                missing.Add(device);
                continue;
            }
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (JsonElement property in (await qmp.ExecuteAsync("device-list-properties", new JsonObject { ["typename"] = device }, cancellationToken).ConfigureAwait(false)).EnumerateArray())
            {
                AddString(names, property, "name");
            }
            properties[device] = names.ToImmutable();
        }
        QmpVersionNumbers numbers = qmp.Greeting.Version.Qemu;
        var capabilities = new QemuBinaryCapabilities
        {
            BinaryPath = path,
            Version = numbers.ToVersion(),
            Machines = machines.ToImmutable(),
            CpuModels = cpus.ToImmutable(),
            Types = types.ToImmutable(),
            Accelerators = accelerators.ToImmutable(),
            DeviceProperties = properties.ToImmutable(),
            Schema = schema,
        };
        return (capabilities, missing.ToImmutable());
    }

    private static void AddString(ImmutableHashSet<string>.Builder set, JsonElement item, string property)
    {
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String)
        {
            set.Add(value.GetString()!);
        }
    }

    private sealed record CacheEntry((long Size, long Ticks) Identity, QemuBinaryCapabilities Capabilities, ImmutableHashSet<string> MissingDevices);

    private sealed class ProcessPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
