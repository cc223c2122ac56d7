using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SparseVirt.Qemu.Qmp;

/// <summary>Typed queries and actions on the machine as a whole.</summary>
public sealed partial class QmpClient
{
    /// <summary>The VM's name (<c>query-name</c>), or <see langword="null"/> when it has none.</summary>
    public async Task<string?> QueryNameAsync(CancellationToken cancellationToken = default)
    {
        JsonElement reply = await ExecuteAsync("query-name", cancellationToken).ConfigureAwait(false);
        return reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
    }

    /// <summary>The virtual CPUs (<c>query-cpus-fast</c>; does not interrupt the guest).</summary>
    public async Task<IReadOnlyList<QmpCpuInfo>> QueryCpusFastAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-cpus-fast", await ExecuteAsync("query-cpus-fast", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpCpuInfoArray);

    /// <summary>The running block jobs (<c>query-block-jobs</c>).</summary>
    public async Task<IReadOnlyList<QmpBlockJobInfo>> QueryBlockJobsAsync(CancellationToken cancellationToken = default) =>
        Deserialize("query-block-jobs", await ExecuteAsync("query-block-jobs", cancellationToken).ConfigureAwait(false), QmpJsonContext.Default.QmpBlockJobInfoArray);

    /// <summary>Saves the display to a PNG file (<c>screendump</c> with <c>format: png</c>; QEMU 7.1+). QEMU writes <paramref name="path"/> itself.</summary>
    public Task ScreendumpPngAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ExecuteAsync("screendump", new JsonObject { ["filename"] = path, ["format"] = "png" }, cancellationToken);
    }

    /// <summary>
    /// The user-networking port forwards as bound (from HMP <c>info usernet</c>, which QMP does not offer), so a forward
    /// asked for on host port 0 shows the port the host picked.
    /// </summary>
    public async Task<IReadOnlyList<QmpHostForward>> QueryHostForwardsAsync(CancellationToken cancellationToken = default)
    {
        string text = await HumanMonitorCommandAsync("info usernet", cancellationToken).ConfigureAwait(false);
        var forwards = new List<QmpHostForward>();
        foreach (string line in text.Split('\n'))
        {
            // "  TCP[HOST_FORWARD]   3       127.0.0.1 34841       10.0.2.15    22     0     0"
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length >= 6 && fields[0].EndsWith("[HOST_FORWARD]", StringComparison.Ordinal)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int hostPort)
                && int.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out int guestPort))
            {
                forwards.Add(new QmpHostForward(fields[0][..fields[0].IndexOf('[', StringComparison.Ordinal)], fields[2], hostPort, fields[4], guestPort));
            }
        }
        return forwards;
    }
}
