namespace SparseVirt.Nbd.Protocol;

/// <summary>
/// A client broke the protocol in a way that leaves no reply to give (a wrong magic number, an unknown handshake flag,
/// a length the server will not buffer): the connection is closed, and only that one.
/// </summary>
internal sealed class NbdProtocolException(string message) : Exception(message);
