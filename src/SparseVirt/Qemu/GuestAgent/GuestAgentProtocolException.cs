namespace SparseVirt.Qemu.GuestAgent;

/// <summary>
/// The guest agent broke its protocol: a reply that is not JSON, over the size limit, of the wrong shape, or a
/// synchronisation answered with another id. A reply too broken to frame ends the channel.
/// </summary>
public sealed class GuestAgentProtocolException : QemuProtocolException
{
    /// <summary>Creates the exception.</summary>
    public GuestAgentProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GuestAgentProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GuestAgentProtocolException()
    {
    }
}
