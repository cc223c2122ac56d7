using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SparseVirt.Qemu.Qmp;

/// <summary>
/// Internal snapshots (VM state plus every listed qcow2 disk) as awaitable jobs: <c>snapshot-save</c>,
/// <c>snapshot-load</c> and <c>snapshot-delete</c> on QEMU 6.0 and later, HMP <c>savevm</c>/<c>loadvm</c>/<c>delvm</c> before.
/// </summary>
public sealed partial class QmpClient
{
    private long _lastJobNumber;

    /// <summary>Saves snapshot <paramref name="tag"/> of the VM state (into node <paramref name="vmStateNode"/>) and of the disks <paramref name="nodes"/>.</summary>
    /// <exception cref="QmpJobException">The job failed; the message is QEMU's.</exception>
    /// <exception cref="TimeoutException">The job did not conclude within <paramref name="timeout"/>.</exception>
    public Task SnapshotSaveAsync(string tag, string vmStateNode, IReadOnlyList<string> nodes, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(vmStateNode);
        return SnapshotJobAsync("snapshot-save", "savevm", tag, vmStateNode, nodes, timeout, cancellationToken);
    }

    /// <summary>Loads snapshot <paramref name="tag"/>: the VM state from <paramref name="vmStateNode"/> and the disks <paramref name="nodes"/>.</summary>
    /// <inheritdoc cref="SnapshotSaveAsync" path="/exception"/>
    public Task SnapshotLoadAsync(string tag, string vmStateNode, IReadOnlyList<string> nodes, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(vmStateNode);
        return SnapshotJobAsync("snapshot-load", "loadvm", tag, vmStateNode, nodes, timeout, cancellationToken);
    }

    /// <summary>Deletes snapshot <paramref name="tag"/> from the disks <paramref name="nodes"/>.</summary>
    /// <inheritdoc cref="SnapshotSaveAsync" path="/exception"/>
    public Task SnapshotDeleteAsync(string tag, IReadOnlyList<string> nodes, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SnapshotJobAsync("snapshot-delete", "delvm", tag, vmStateNode: null, nodes, timeout, cancellationToken);

    /// <summary>
    /// Runs a job-starting <paramref name="command"/> whose <c>job-id</c> this method chooses, follows
    /// <c>JOB_STATUS_CHANGE</c> to <c>concluded</c>, reads the job's error from <c>query-jobs</c>, and dismisses it.
    /// </summary>
    /// <inheritdoc cref="SnapshotSaveAsync" path="/exception"/>
    public async Task RunJobAsync(string command, JsonObject arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(arguments);
        string jobId = string.Create(CultureInfo.InvariantCulture, $"sparsevirt-{command}-{Interlocked.Increment(ref _lastJobNumber)}");
        var withId = (JsonObject)arguments.DeepClone();
        withId["job-id"] = jobId;
        // Marked before the command: the job may conclude before its reply arrives.
        QmpEventMark mark = MarkEvents();
        await ExecuteAsync(command, withId, cancellationToken).ConfigureAwait(false);
        await WaitForEventAsync(
            "JOB_STATUS_CHANGE",
            e => e.GetDataString("id") == jobId && e.GetDataString("status") == "concluded",
            timeout,
            mark,
            cancellationToken).ConfigureAwait(false);
        string? error = null;
        JsonElement jobs = await ExecuteAsync("query-jobs", cancellationToken).ConfigureAwait(false);
        if (jobs.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement job in jobs.EnumerateArray())
            {
                if (job.TryGetProperty("id", out JsonElement id) && id.ValueEquals(jobId)
                    && job.TryGetProperty("error", out JsonElement message) && message.ValueKind == JsonValueKind.String)
                {
                    error = message.GetString();
                }
            }
        }
        await ExecuteAsync("job-dismiss", new JsonObject { ["id"] = jobId }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw new QmpJobException(command, jobId, error);
        }
    }

    private async Task SnapshotJobAsync(string command, string humanCommand, string tag, string? vmStateNode, IReadOnlyList<string> nodes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(nodes);
        if (Greeting.Version.Qemu.Major < 6)
        {
            // Before 6.0 only the human monitor has snapshots; it answers with text only when something went wrong.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            string output = await HumanMonitorCommandAsync($"{humanCommand} {tag}", deadline.Token).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(output))
            {
                throw new QmpJobException(humanCommand, humanCommand, output.Trim());
            }
            return;
        }
        var devices = new JsonArray();
        foreach (string node in nodes)
        {
            devices.Add((JsonNode?)JsonValue.Create(node));
        }
        var arguments = new JsonObject { ["tag"] = tag, ["devices"] = devices };
        if (vmStateNode is not null)
        {
            arguments["vmstate"] = vmStateNode;
        }
        await RunJobAsync(command, arguments, timeout, cancellationToken).ConfigureAwait(false);
    }
}
