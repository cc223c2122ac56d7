namespace SparseVirt.Qemu.Qmp;

/// <summary>The peer broke the QMP protocol (not JSON, no greeting, a message over the size limit ...); the connection is closed.</summary>
public sealed class QmpProtocolException : QemuProtocolException
{
    /// <summary>Creates the exception.</summary>
    public QmpProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpProtocolException()
    {
    }
}
