using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Qemu.CommandLine;
using SparseVirt.Qemu.Launch;
using SparseVirt.Qemu.Probing;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu;

/// <summary>
/// A running QEMU virtual machine. Created by <see cref="StartAsync"/>, which returns only once QMP is negotiated;
/// stopped by <see cref="StopAsync"/> (power button, then <c>quit</c>, then kill) or by disposing, which never
/// leaves the QEMU process running.
/// </summary>
public sealed partial class QemuMachine : IAsyncDisposable
{
    private readonly QemuLaunchOptions _options;
    private readonly ILogger _logger;
    private readonly PrivateSocketDirectory _socketDirectory;
    private readonly BoundedLineBuffer _standardError;
    private readonly BoundedLineBuffer _standardOutput;
    private readonly List<string> _commandLine;
    private Process? _process;
    private Task<int> _exited = Task.FromResult(0);
    private Task _outputDrained = Task.CompletedTask;
    private QmpClient? _qmp;
    private int _disposed;

    private QemuMachine(QemuMachineDefinition definition, string binaryPath, QemuLaunchOptions options, PrivateSocketDirectory socketDirectory)
    {
        Definition = definition;
        BinaryPath = binaryPath;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _socketDirectory = socketDirectory;
        _standardError = new BoundedLineBuffer(options.OutputTailLines);
        _standardOutput = new BoundedLineBuffer(options.OutputTailLines);
        var sockets = new QemuLaunchSockets(
            socketDirectory.Combine("qmp.sock"),
            definition.Serial.Kind == QemuSerialConsoleKind.Captured ? socketDirectory.Combine("serial.sock") : null,
            definition.GuestAgent ? definition.GuestAgentSocketPath ?? socketDirectory.Combine("guest-agent.sock") : null);
        Sockets = sockets;
        Arguments = QemuArgumentRenderer.Render(definition, sockets);
        _commandLine = [binaryPath, .. Arguments];
    }

    /// <summary>The definition the machine was started from.</summary>
    public QemuMachineDefinition Definition { get; }

    /// <summary>The QEMU binary that runs.</summary>
    public string BinaryPath { get; }

    /// <summary>The exact arguments QEMU was started with, including the monitor and capture sockets.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The QEMU process id.</summary>
    public int ProcessId { get; private set; }

    /// <summary>The negotiated QMP connection.</summary>
    public QmpClient Qmp => _qmp ?? throw new InvalidOperationException("The machine has not started.");

    /// <summary>The captured serial console, or <see langword="null"/> unless the definition uses <see cref="QemuSerialConsole.Captured"/>.</summary>
    public QemuSerialCapture? Serial { get; private set; }

    /// <summary>The Unix socket of the guest agent channel (connect with <see cref="GuestAgent.GuestAgentClient.ConnectAsync(string, GuestAgent.GuestAgentClientOptions?, CancellationToken)"/>), or <see langword="null"/> without one.</summary>
    public string? GuestAgentSocketPath => Sockets.GuestAgentPath;

    /// <summary>The accelerator actually in use: a fallback (e.g. from KVM to TCG) shows here and is logged as a warning.</summary>
    public QemuAccelerator Accelerator { get; private set; }

    /// <summary>What <c>query-kvm</c> reported after start.</summary>
    public QmpKvmInfo KvmStatus { get; private set; } = new();

    /// <summary>Whether QEMU has exited.</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>QEMU's exit code, or <see langword="null"/> while it runs.</summary>
    public int? ExitCode => _exited.IsCompletedSuccessfully ? _exited.Result : null;

    /// <summary>The last lines QEMU wrote to stderr.</summary>
    public string StandardErrorTail => _standardError.Snapshot();

    /// <summary>The last lines QEMU wrote to stdout.</summary>
    public string StandardOutputTail => _standardOutput.Snapshot();

    private QemuLaunchSockets Sockets { get; }

    /// <summary>
    /// Validates <paramref name="definition"/>, starts QEMU, accepts its monitor (and serial) connection, negotiates QMP
    /// and asks which accelerator is in use. On any failure QEMU is killed before the exception propagates.
    /// </summary>
    /// <exception cref="QemuDefinitionException">The definition has problems, or asks for a machine, CPU model, accelerator, device or device property the binary does not have.</exception>
    /// <exception cref="QemuBinaryNotFoundException">The QEMU binary does not exist.</exception>
    /// <exception cref="QemuStartException">QEMU could not start, exited during start-up, or did not connect in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <param name="definition">The machine to start.</param>
    /// <param name="options">How to launch it, or <see langword="null"/> for <see cref="QemuLaunchOptions.Default"/>.</param>
    /// <param name="progress">Receives the start-up steps: the process started (with its id), the monitor connected, the machine is ready.</param>
    /// <param name="cancellationToken">Cancels the start; QEMU is killed.</param>
    public static async Task<QemuMachine> StartAsync(
        QemuMachineDefinition definition, QemuLaunchOptions? options = null, IProgress<QemuStartupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        options ??= QemuLaunchOptions.Default;
        definition.Validate();
        string binaryPath = definition.ResolveBinaryPath();
        Task<QemuBinaryCapabilities>? probing = null;
        if (options.CheckDefinition)
        {
            // Cached per binary: the first launch in a process (or, with a probe cache folder, the first after QEMU
            // changed) pays for the probe (a short QEMU run of its own), later ones only for the check.
            probing = QemuBinaryProbe.ProbeAsync(binaryPath, QemuDefinitionChecker.DevicesOf(definition).Select(d => d.Driver), options.ProbeCacheDirectory, cancellationToken);
            if (!definition.StartPaused)
            {
                // A running guest must not start before its definition is known to be good.
                ThrowOnProblems(definition, await probing.ConfigureAwait(false));
                probing = null;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        var machine = new QemuMachine(definition, binaryPath, options, PrivateSocketDirectory.Create());
        try
        {
            // A machine that starts paused runs nothing of the guest until it is resumed, so it is launched while the
            // binary is probed: the probe's time (about as long as QEMU's own start) is no longer added to the start.
            Task launching = machine.LaunchAsync(progress, cancellationToken);
            if (probing is not null)
            {
                try
                {
                    ThrowOnProblems(definition, await probing.ConfigureAwait(false));
                }
                catch
                {
                    // The definition's problems explain a failed launch better than QEMU's exit does.
                    await launching.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                    throw;
                }
            }
            await launching.ConfigureAwait(false);
            return machine;
        }
        catch
        {
            await machine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void ThrowOnProblems(QemuMachineDefinition definition, QemuBinaryCapabilities capabilities)
    {
        List<string> problems = QemuDefinitionChecker.GetProblems(definition, capabilities);
        if (problems.Count > 0)
        {
            throw new QemuDefinitionException(problems);
        }
    }

    /// <summary>Blocking form of <see cref="StartAsync"/>.</summary>
    /// <inheritdoc cref="StartAsync" path="/exception"/>
    public static QemuMachine Start(
        QemuMachineDefinition definition, QemuLaunchOptions? options = null, IProgress<QemuStartupProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StartAsync(definition, options, progress, cancellationToken).GetAwaiter().GetResult();

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
        _socketDirectory.Dispose();
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
