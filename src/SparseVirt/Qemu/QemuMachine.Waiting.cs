using SparseVirt.Qemu.Launch;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu;

/// <summary>Waiting: for QEMU to exit, or for the guest to stop in a run state it cannot leave.</summary>
public sealed partial class QemuMachine
{
    /// <summary>Waits until QEMU exits (for example after the guest powers off) and returns its exit code.</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken = default) => _exited.WaitAsync(cancellationToken);

    /// <summary>
    /// Waits until QEMU exits, as <see cref="WaitForExitAsync"/> does, and also watches for the VM stopping by itself
    /// in a run state it cannot leave: on each QMP <c>STOP</c> it asks <c>query-status</c>, and a run state of
    /// <c>internal-error</c> (the accelerator failed: KVM's <c>KVM internal error</c>) or <c>guest-panicked</c> ends the
    /// wait with a typed failure naming the accelerator, instead of a wait for an exit that never comes. A pause
    /// asked for over QMP is not a failure: the wait goes on.
    /// </summary>
    /// <exception cref="QemuGuestStoppedException">The VM stopped in <c>internal-error</c> or <c>guest-panicked</c>; QEMU still runs, stopped.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<int> WaitForGuestAsync(CancellationToken cancellationToken = default)
    {
        QmpEventMark since = Qmp.MarkEvents();
        while (true)
        {
            using var stopWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<QmpEvent> stopped = Qmp.WaitForEventAsync("STOP", null, Timeout.InfiniteTimeSpan, since, stopWait.Token);
            Task<int> exited = _exited.WaitAsync(cancellationToken);
            if (await Task.WhenAny(stopped, exited).ConfigureAwait(false) == exited || !stopped.IsCompletedSuccessfully)
            {
                await stopWait.CancelAsync().ConfigureAwait(false);
                await ((Task)stopped).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // The connection ends as QEMU exits; the exit (or the caller's cancellation) is the answer.
                return await exited.ConfigureAwait(false);
            }
            since = Qmp.MarkEvents();
            QmpStatusInfo status;
            try
            {
                status = await Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (QmpConnectionClosedException)
            {
                return await exited.ConfigureAwait(false);
            }
            if (status.Status is QemuGuestStoppedException.InternalErrorRunState or QemuGuestStoppedException.GuestPanickedRunState)
            {
                string tail = StandardErrorTail;
                string cause = status.Status == QemuGuestStoppedException.InternalErrorRunState
                    ? $"the {Accelerator.ToString().ToUpperInvariant()} accelerator failed to run the guest"
                    : "the guest panicked";
                string said = tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(line => line.Contains("error", StringComparison.OrdinalIgnoreCase)) is { } line
                    ? $" (QEMU: {line})"
                    : "";
                QemuLog.GuestStopped(_logger, ProcessId, status.Status, Accelerator);
                throw new QemuGuestStoppedException($"The virtual machine stopped with run state {status.Status}: {cause}{said}.", status.Status, Accelerator, tail);
            }
        }
    }
}
