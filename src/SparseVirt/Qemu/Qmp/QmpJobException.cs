namespace SparseVirt.Qemu.Qmp;

/// <summary>A QEMU job (snapshot-save, snapshot-load, snapshot-delete ...) concluded with an error; <see cref="Exception.Message"/> carries QEMU's.</summary>
public sealed class QmpJobException : QemuProtocolException
{
    /// <summary>Creates the exception for job <paramref name="jobId"/> started by <paramref name="command"/>.</summary>
    public QmpJobException(string command, string jobId, string error)
        : base($"QMP job '{jobId}' ({command}) failed: {error}")
    {
        Command = command;
        JobId = jobId;
        Error = error;
    }

    /// <summary>Creates the exception.</summary>
    public QmpJobException()
        : this("", "", "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpJobException(string message)
        : base(message)
    {
        Command = JobId = Error = "";
    }

    /// <summary>Creates the exception.</summary>
    public QmpJobException(string message, Exception innerException)
        : base(message, innerException)
    {
        Command = JobId = Error = "";
    }

    /// <summary>The command that started the job.</summary>
    public string Command { get; }

    /// <summary>The job's id.</summary>
    public string JobId { get; }

    /// <summary>QEMU's error message for the job.</summary>
    public string Error { get; }
}
