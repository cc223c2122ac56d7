namespace SparseVirt.Qemu.Framing;

/// <summary>
/// What tells QMP and the guest agent apart on the wire they share (one JSON object per line): the names their
/// errors use and the exception kinds they throw, so framing, parsing and closing are written once for both.
/// </summary>
/// <param name="peer">The peer as errors name it: "QMP", "guest agent".</param>
/// <param name="channel">The connection as errors name it: "QMP connection", "guest agent channel".</param>
/// <param name="unit">What one line carries: "message", "reply".</param>
/// <param name="protocolError">Makes the exception for a peer that broke the protocol.</param>
/// <param name="connectionClosed">Makes the exception for a connection that ended.</param>
internal sealed class JsonLineProtocol(
    string peer,
    string channel,
    string unit,
    Func<string, Exception?, QemuProtocolException> protocolError,
    Func<string, Exception?, QemuProtocolException> connectionClosed)
{
    /// <summary>The peer as errors name it.</summary>
    public string Peer => peer;

    /// <summary>The connection as errors name it.</summary>
    public string Channel => channel;

    /// <summary>What one line carries.</summary>
    public string Unit => unit;

    /// <summary>The peer broke the protocol.</summary>
    public QemuProtocolException ProtocolError(string message, Exception? innerException = null) => protocolError(message, innerException);

    /// <summary>The connection ended.</summary>
    public QemuProtocolException ConnectionClosed(string message, Exception? innerException = null) => connectionClosed(message, innerException);
}
