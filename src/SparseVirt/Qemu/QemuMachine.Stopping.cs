using SparseVirt.Qemu.Launch;

namespace SparseVirt.Qemu;

/// <summary>Stopping: the power button, then <c>quit</c>, then kill; disposal never leaves QEMU running.</summary>
public sealed partial class QemuMachine
{
    /// <summary>
    /// Stops the VM: presses the power button and waits up to <paramref name="gracefulTimeout"/> for the guest to power
    /// off; then sends <c>quit</c> and waits up to <see cref="QemuLaunchOptions.QuitTimeout"/>; then kills the process tree.
    /// </summary>
    /// <param name="gracefulTimeout">How long the guest may take to shut down; zero skips the power button.</param>
    /// <param name="gracefulCancellation">Cuts the guest's shutdown short: QEMU is told to quit at once.</param>
    /// <param name="forcefulCancellation">Cuts every wait short: the process is killed at once.</param>
    public async Task<QemuStopResult> StopAsync(TimeSpan gracefulTimeout, CancellationToken gracefulCancellation = default, CancellationToken forcefulCancellation = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (HasExited)
        {
            return new QemuStopResult(QemuStopMethod.AlreadyExited, await _exited.ConfigureAwait(false));
        }
        if (gracefulTimeout > TimeSpan.Zero && !gracefulCancellation.IsCancellationRequested && !forcefulCancellation.IsCancellationRequested)
        {
            QemuLog.PowerdownRequested(_logger, ProcessId, gracefulTimeout);
            if (await RequestAndAwaitExitAsync("system_powerdown", token => Qmp.SystemPowerdownAsync(token), gracefulTimeout, gracefulCancellation, forcefulCancellation).ConfigureAwait(false))
            {
                return new QemuStopResult(QemuStopMethod.GuestPowerdown, await _exited.ConfigureAwait(false));
            }
            QemuLog.EscalatingToQuit(_logger, ProcessId);
        }
        if (!forcefulCancellation.IsCancellationRequested
            && await RequestAndAwaitExitAsync("quit", token => Qmp.QuitAsync(token), _options.QuitTimeout, forcefulCancellation).ConfigureAwait(false))
        {
            return new QemuStopResult(QemuStopMethod.Quit, await _exited.ConfigureAwait(false));
        }
        return new QemuStopResult(QemuStopMethod.Killed, await KillCoreAsync().ConfigureAwait(false));
    }

    /// <summary>Kills the QEMU process tree at once and waits for it to be gone; returns the exit code.</summary>
    public Task<int> KillAsync() => KillCoreAsync();

    /// <summary>Ends QEMU if it still runs (<c>quit</c>, then kill), waits for the process to be reaped and removes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_process is not null && !HasExited)
        {
            if (_qmp is not null && _qmp.CloseReason is null)
            {
                await RequestAndAwaitExitAsync("quit", token => _qmp.QuitAsync(token), _options.QuitTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            if (!HasExited)
            {
                await KillCoreAsync().ConfigureAwait(false);
            }
        }
        if (_qmp is not null)
        {
            await _qmp.DisposeAsync().ConfigureAwait(false);
        }
        if (Serial is not null)
        {
            await Serial.DisposeAsync().ConfigureAwait(false);
        }
        await _outputDrained.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process?.Dispose();
        PrivateFolders.Delete(_socketDirectory);
    }

    /// <summary>
    /// Sends a shutdown request and waits for QEMU to exit, all within <paramref name="timeout"/> (a QEMU that does not
    /// even answer must not hold the caller longer). Returns whether QEMU exited.
    /// </summary>
    private async Task<bool> RequestAndAwaitExitAsync(string step, Func<CancellationToken, Task> request, TimeSpan timeout, CancellationToken cancellationToken, CancellationToken otherCancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, otherCancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await request(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QemuProtocolException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A closed connection usually means QEMU is exiting already; waiting for the exit below tells.
            QemuLog.ShutdownStepFailed(_logger, ProcessId, step, e.Message);
        }
        try
        {
            await _exited.WaitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return HasExited;
        }
    }

    private async Task<int> KillCoreAsync()
    {
        if (_process is null)
        {
            return 0;
        }
        if (!HasExited)
        {
            QemuLog.Killing(_logger, ProcessId);
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
        }
        try
        {
            return await _exited.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new IOException($"QEMU process {ProcessId} did not exit within 30 s of being killed.", e);
        }
    }
}
