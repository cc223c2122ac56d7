using Microsoft.Extensions.Logging;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu;

/// <summary>How <see cref="QemuMachine.StartAsync"/> launches and later stops QEMU. Immutable: the <c>With...</c> methods return changed copies.</summary>
public sealed record QemuLaunchOptions
{
    /// <summary>The default options.</summary>
    public static QemuLaunchOptions Default { get; } = new();

    /// <summary>Where QEMU's output, QMP traffic and lifecycle steps are logged, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; private init; }

    /// <summary>How long QEMU may take to connect its monitor, greet and negotiate (10 s unless set).</summary>
    public TimeSpan StartupTimeout { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>quit</c> may take before the process is killed, during a stop or dispose (5 s unless set).</summary>
    public TimeSpan QuitTimeout { get; private init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of QEMU's last stderr (and stdout) lines are kept for error messages (100 unless set).</summary>
    public int OutputTailLines { get; private init; } = 100;

    /// <summary>How much captured serial console text is kept, in characters (1 Mi unless set).</summary>
    public int SerialRetainedChars { get; private init; } = 1024 * 1024;

    /// <summary>
    /// Start QEMU in a session of its own (through <c>setsid(1)</c> where it is installed; true unless set). A Ctrl+C
    /// typed at a terminal then reaches only this process, which can stop the guest gracefully; in this process's
    /// group QEMU would get the terminal's SIGINT too and quit at once, without the guest's power-off.
    /// </summary>
    public bool OwnSession { get; private init; } = true;

    /// <summary>
    /// Whether the definition is checked against what the binary offers before it starts (true unless set): an unknown
    /// machine, CPU model, accelerator, device or device property is then a <see cref="QemuDefinitionException"/>
    /// naming it. The binary is probed once per process (<see cref="Probing.QemuBinaryProbe"/>) and the result cached,
    /// across processes too with <see cref="ProbeCacheDirectory"/>.
    /// A definition that starts paused (<see cref="QemuMachineDefinition.StartPaused"/>) is launched while the binary is
    /// probed, since nothing of the guest runs before the check ends; any other is checked first.
    /// </summary>
    public bool CheckDefinition { get; private init; } = true;

    /// <summary>
    /// A folder where the probe behind <see cref="CheckDefinition"/> is kept between processes (null unless set: this
    /// process only). With it, only the first launch after QEMU is installed or upgraded probes the binary; see
    /// <see cref="Probing.QemuBinaryProbe.ProbeAsync(string, IEnumerable{string}?, string?, CancellationToken)"/>.
    /// </summary>
    public string? ProbeCacheDirectory { get; private init; }

    /// <summary>The QMP client's limits; its logger defaults to <see cref="Logger"/>.</summary>
    public QmpClientOptions Qmp { get; private init; } = QmpClientOptions.Default;

    /// <summary>A copy logging to <paramref name="logger"/> (or nowhere).</summary>
    public QemuLaunchOptions WithLogger(ILogger? logger) => this with { Logger = logger };

    /// <summary>A copy giving QEMU up to <paramref name="timeout"/> to start and negotiate its monitor.</summary>
    public QemuLaunchOptions WithStartupTimeout(TimeSpan timeout) => this with { StartupTimeout = QmpClientOptions.CheckTimeout(timeout) };

    /// <summary>A copy giving <c>quit</c> up to <paramref name="timeout"/> before the process is killed.</summary>
    public QemuLaunchOptions WithQuitTimeout(TimeSpan timeout) => this with { QuitTimeout = QmpClientOptions.CheckTimeout(timeout) };

    /// <summary>A copy keeping QEMU's last <paramref name="lines"/> stderr and stdout lines.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lines"/> is negative.</exception>
    public QemuLaunchOptions WithOutputTailLines(int lines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lines);
        return this with { OutputTailLines = lines };
    }

    /// <summary>A copy keeping up to <paramref name="chars"/> characters of captured serial console text.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chars"/> is under 1.</exception>
    public QemuLaunchOptions WithSerialRetainedChars(int chars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chars, 1);
        return this with { SerialRetainedChars = chars };
    }

    /// <summary>A copy that starts QEMU in a session of its own, or not.</summary>
    public QemuLaunchOptions WithOwnSession(bool ownSession = true) => this with { OwnSession = ownSession };

    /// <summary>A copy that checks the definition against the binary before starting, or not.</summary>
    public QemuLaunchOptions WithCheckDefinition(bool check = true) => this with { CheckDefinition = check };

    /// <summary>A copy keeping binary probes in <paramref name="directory"/> between processes (null: in this process only).</summary>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public QemuLaunchOptions WithProbeCacheDirectory(string? directory)
    {
        if (directory is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        }
        return this with { ProbeCacheDirectory = directory is null ? null : Path.GetFullPath(directory) };
    }

    /// <summary>A copy with QMP client options <paramref name="qmp"/>.</summary>
    public QemuLaunchOptions WithQmp(QmpClientOptions qmp)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        return this with { Qmp = qmp };
    }
}
