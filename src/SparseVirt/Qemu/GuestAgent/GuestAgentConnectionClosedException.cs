namespace SparseVirt.Qemu.GuestAgent;

/// <summary>The guest agent channel ended (QEMU exited, the stream closed, or the client was disposed) before a reply came.</summary>
public sealed class GuestAgentConnectionClosedException : QemuProtocolException
{
    /// <summary>Creates the exception.</summary>
    public GuestAgentConnectionClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GuestAgentConnectionClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GuestAgentConnectionClosedException()
    {
    }
}
