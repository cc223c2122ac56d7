using System.Runtime.CompilerServices;
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
/// path, size and modification time, so a rebuilt or upgraded QEMU is probed again: in the process, and in a folder
/// the caller names so later processes need not probe at all.
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
    /// <paramref name="devices"/>; from this process's cache when the binary is unchanged and its entry has those devices.
    /// </summary>
    /// <exception cref="QemuStartException">The binary could not be started or did not answer.</exception>
    public static Task<QemuBinaryCapabilities> ProbeAsync(string binaryPath, IEnumerable<string>? devices = null, CancellationToken cancellationToken = default) =>
        ProbeAsync(binaryPath, devices, cacheDirectory: null, cancellationToken);

    /// <summary>
    /// The capabilities of <paramref name="binaryPath"/>, with the properties of <see cref="DefaultDevices"/> and of
    /// <paramref name="devices"/>. Besides this process's cache, probes are kept in <paramref name="cacheDirectory"/>
    /// (one JSON file per binary, created with mode 0700 where it does not exist), so later processes start without
    /// probing as long as the binary's size and modification time are unchanged, as libvirt's capabilities cache does.
    /// A cache file that is unreadable or stale is ignored and replaced; one that cannot be written leaves the probe
    /// standing.
    /// </summary>
    /// <param name="binaryPath">The QEMU binary.</param>
    /// <param name="devices">Devices whose properties are wanted besides <see cref="DefaultDevices"/>.</param>
    /// <param name="cacheDirectory">Where probes are kept between processes; null keeps them in this process only.</param>
    /// <param name="cancellationToken">Cancels the probe; QEMU is killed.</param>
    /// <exception cref="QemuStartException">The binary could not be started or did not answer.</exception>
    public static async Task<QemuBinaryCapabilities> ProbeAsync(string binaryPath, IEnumerable<string>? devices, string? cacheDirectory, CancellationToken cancellationToken = default)
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
            QemuProbeReplies? previous = s_cache.TryGetValue(path, out CacheEntry? entry) && entry.Identity == identity ? entry.Replies : null;
            if (cacheDirectory is not null && QemuProbeCacheFile.TryLoad(cacheDirectory, path, identity) is { } saved)
            {
                if (saved.Covers(wanted))
                {
                    return Remember(path, identity, saved);
                }
                previous ??= saved;
            }
            if (previous is not null)
            {
                // Probe again for the union, so one entry keeps answering for every device asked about so far.
                wanted = [.. wanted.Union(previous.DevicesCovered)];
            }
            QemuProbeReplies replies = await ProbeCoreAsync(path, wanted, cancellationToken).ConfigureAwait(false);
            QemuBinaryCapabilities capabilities = Remember(path, identity, replies);
            if (cacheDirectory is not null)
            {
                QemuProbeCacheFile.TrySave(cacheDirectory, path, identity, replies);
            }
            return capabilities;
        }
        finally
        {
            s_probeLock.Release();
        }
    }

    private static QemuBinaryCapabilities Remember(string path, (long, long) identity, QemuProbeReplies replies)
    {
        QemuBinaryCapabilities capabilities = replies.ToCapabilities(path);
        s_cache[path] = new CacheEntry(identity, capabilities, replies);
        return capabilities;
    }

    /// <summary>Forgets every probe (benchmarks measure the cold probe with it).</summary>
    internal static void ClearCache() => s_cache.Clear();

    /// <summary>Forgets the probe of one binary in this process (as a new process would not have it); files are kept.</summary>
    internal static void Forget(string binaryPath) => s_cache.TryRemove(Path.GetFullPath(binaryPath), out _);

    private static QemuBinaryCapabilities? TryCached(string path, (long, long) identity, string[] wanted) =>
        s_cache.TryGetValue(path, out CacheEntry? entry) && entry.Identity == identity && entry.Replies.Covers(wanted)
            ? entry.Capabilities
            : null;

    private static async Task<QemuProbeReplies> ProbeCoreAsync(string path, string[] devices, CancellationToken cancellationToken)
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
                QmpClient qmp = await QmpClient.ConnectAsync(pipe, QmpClientOptions.Default.WithMaxMessageBytes(16 * 1024 * 1024), cancellationToken).ConfigureAwait(false);
                await using ConfiguredAsyncDisposable qmpScope = qmp.ConfigureAwait(false);
                QemuProbeReplies result = await QueryAsync(qmp, devices, cancellationToken).ConfigureAwait(false);
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

    private static async Task<QemuProbeReplies> QueryAsync(QmpClient qmp, string[] devices, CancellationToken cancellationToken)
    {
        JsonElement schema = await qmp.ExecuteAsync("query-qmp-schema", cancellationToken).ConfigureAwait(false);
        JsonElement machines = await qmp.ExecuteAsync("query-machines", cancellationToken).ConfigureAwait(false);
        JsonElement cpus = await qmp.ExecuteAsync("query-cpu-definitions", cancellationToken).ConfigureAwait(false);
        JsonElement types = await qmp.ExecuteAsync("qom-list-types", new JsonObject { ["abstract"] = false }, cancellationToken).ConfigureAwait(false);
        JsonElement accelerators = await qmp.ExecuteAsync("qom-list-types", new JsonObject { ["implements"] = "accel" }, cancellationToken).ConfigureAwait(false);
        // Only devices QEMU has get their properties asked for; the replies keep which were missing.
        ImmutableHashSet<string> typeNames = QemuProbeReplies.Names(types, "qom-list-types");
        var properties = ImmutableDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
        var missing = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (string device in devices)
        {
            if (!typeNames.Contains(device))
            {
                missing.Add(device);
                continue;
            }
            properties[device] = await qmp.ExecuteAsync("device-list-properties", new JsonObject { ["typename"] = device }, cancellationToken).ConfigureAwait(false);
        }
        return new QemuProbeReplies(qmp.Greeting.Version.Qemu.ToVersion(), schema, machines, cpus, types, accelerators, properties.ToImmutable(), missing.ToImmutable());
    }

    private sealed record CacheEntry((long Size, long Ticks) Identity, QemuBinaryCapabilities Capabilities, QemuProbeReplies Replies);

    private sealed class ProcessPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
