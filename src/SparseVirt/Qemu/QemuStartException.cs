namespace SparseVirt.Qemu;

/// <summary>
/// QEMU could not be started, exited during start-up, or did not connect its monitor in time. The message and the
/// properties carry the exit code, the exact argument list and the tail of QEMU's stderr.
/// </summary>
public sealed class QemuStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QemuStartException(string message, int? exitCode, IReadOnlyList<string> arguments, string standardErrorTail, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
        Arguments = arguments;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>Creates the exception.</summary>
    public QemuStartException()
        : this("QEMU could not be started.", null, [], "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuStartException(string message)
        : this(message, null, [], "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QemuStartException(string message, Exception innerException)
        : this(message, null, [], "", innerException)
    {
    }

    /// <summary>QEMU's exit code, or <see langword="null"/> if it had not exited (it is killed then).</summary>
    public int? ExitCode { get; }

    /// <summary>The binary followed by the arguments QEMU was started with.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The last lines QEMU wrote to stderr (usually the reason, e.g. "invalid option").</summary>
    public string StandardErrorTail { get; }
}
