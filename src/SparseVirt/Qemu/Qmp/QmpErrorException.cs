namespace SparseVirt.Qemu.Qmp;

/// <summary>QEMU answered a QMP command with an error (<c>{"error": {"class": ..., "desc": ...}}</c>).</summary>
public sealed class QmpErrorException : QemuProtocolException
{
    /// <summary>Creates the exception for command <paramref name="command"/>.</summary>
    public QmpErrorException(string command, string errorClass, string description)
        : base($"QMP command '{command}' failed: {errorClass}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    /// <summary>Creates the exception.</summary>
    public QmpErrorException()
        : this("", "", "")
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpErrorException(string message)
        : base(message)
    {
        Command = ErrorClass = Description = "";
    }

    /// <summary>Creates the exception.</summary>
    public QmpErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
        Command = ErrorClass = Description = "";
    }

    /// <summary>The command that failed.</summary>
    public string Command { get; }

    /// <summary>The error class, e.g. <c>GenericError</c> or <c>CommandNotFound</c>.</summary>
    public string ErrorClass { get; }

    /// <summary>QEMU's human-readable description (not meant to be parsed).</summary>
    public string Description { get; }
}
