namespace SparseVirt.Qemu;

/// <summary>
/// The root of what can go wrong talking to QEMU over one of its JSON protocols, QMP or the guest agent's: the peer
/// broke the protocol, the connection ended, a command was answered with an error, a job failed. One <c>catch</c>
/// takes them all; each kind is its own type below (<c>Qmp...Exception</c>, <c>GuestAgent...Exception</c>).
/// </summary>
/// <remarks>
/// It is an <see cref="IOException"/>, as the protocol and connection kinds were before it existed: these are failures
/// of a conversation with another process over a socket, which a caller handles as it handles other I/O failures
/// (it did not pass a wrong argument, and retrying on a new connection may succeed).
/// </remarks>
public abstract class QemuProtocolException : IOException
{
    /// <summary>Creates the exception.</summary>
    protected QemuProtocolException()
    {
    }

    /// <summary>Creates the exception.</summary>
    protected QemuProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    protected QemuProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
