using System.Diagnostics;
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
    private const string SocketFolderPrefix = "sparsevirt-qemu-";
    private const string GuestAgentSocketName = "guest-agent.sock";
    private readonly string _socketDirectory;
    private readonly BoundedLineBuffer _standardError;
    private readonly BoundedLineBuffer _standardOutput;
    private readonly List<string> _commandLine;
    private Process? _process;
    private Task<int> _exited = Task.FromResult(0);
    private Task _outputDrained = Task.CompletedTask;
    private QmpClient? _qmp;
    private int _disposed;

    private QemuMachine(QemuMachineDefinition definition, string binaryPath, QemuLaunchOptions options, string socketDirectory)
    {
        Definition = definition;
        BinaryPath = binaryPath;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _socketDirectory = socketDirectory;
        _standardError = new BoundedLineBuffer(options.OutputTailLines);
        _standardOutput = new BoundedLineBuffer(options.OutputTailLines);
        var sockets = new QemuLaunchSockets(
            Path.Combine(socketDirectory, "qmp.sock"),
            definition.Serial.Kind == QemuSerialConsoleKind.Captured ? Path.Combine(socketDirectory, "serial.sock") : null,
            definition.GuestAgent ? definition.GuestAgentSocketPath ?? Path.Combine(socketDirectory, GuestAgentSocketName) : null);
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
        var machine = new QemuMachine(definition, binaryPath, options, PrivateFolders.CreateForSockets(SocketFolderPrefix, GuestAgentSocketName.Length));
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
}
