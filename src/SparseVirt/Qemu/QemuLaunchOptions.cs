using Microsoft.Extensions.Logging;
using SparseVirt.Qemu.Qmp;

namespace SparseVirt.Qemu;

/// <summary>How <see cref="QemuMachine.StartAsync"/> launches and later stops QEMU.</summary>
public sealed record QemuLaunchOptions
{
    /// <summary>The default options.</summary>
    public static QemuLaunchOptions Default { get; } = new();

    /// <summary>Where QEMU's output, QMP traffic and lifecycle steps are logged, or <see langword="null"/> for nowhere.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Start-up progress: the process started (with its id), the monitor connected, the machine is ready.</summary>
    public IProgress<QemuStartupProgress>? Progress { get; init; }

    /// <summary>How long QEMU may take to connect its monitor, greet and negotiate (10 s unless set).</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>quit</c> may take before the process is killed, during a stop or dispose (5 s unless set).</summary>
    public TimeSpan QuitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of QEMU's last stderr (and stdout) lines are kept for error messages (100 unless set).</summary>
    public int OutputTailLines { get; init; } = 100;

    /// <summary>How much captured serial console text is kept, in characters (1 Mi unless set).</summary>
    public int SerialRetainedChars { get; init; } = 1024 * 1024;

    /// <summary>
    /// Start QEMU in a session of its own (through <c>setsid(1)</c> where it is installed; true unless set). A Ctrl+C
    /// typed at a terminal then reaches only this process, which can stop the guest gracefully; in this process's
    /// group QEMU would get the terminal's SIGINT too and quit at once, without the guest's power-off.
    /// </summary>
    public bool OwnSession { get; init; } = true;

    /// <summary>The QMP client's limits; its logger defaults to <see cref="Logger"/>.</summary>
    public QmpClientOptions Qmp { get; init; } = QmpClientOptions.Default;
}
