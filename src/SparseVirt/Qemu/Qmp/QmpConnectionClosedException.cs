namespace SparseVirt.Qemu.Qmp;

/// <summary>The QMP connection ended (QEMU exited, the stream closed, or the client was disposed) before a reply came.</summary>
public sealed class QmpConnectionClosedException : QemuProtocolException
{
    /// <summary>Creates the exception.</summary>
    public QmpConnectionClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpConnectionClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public QmpConnectionClosedException()
    {
    }
}
