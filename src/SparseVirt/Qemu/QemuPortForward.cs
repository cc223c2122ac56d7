namespace SparseVirt.Qemu;

/// <summary>A host port forwarded into the guest by user-mode networking (<c>hostfwd</c>).</summary>
/// <param name="HostPort">The port listened on, on the host.</param>
/// <param name="GuestPort">The guest port connections are forwarded to.</param>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="HostAddress">The host address listened on; <c>127.0.0.1</c> unless set, so the guest is not exposed to the network.</param>
public sealed record QemuPortForward(int HostPort, int GuestPort, QemuPortForwardProtocol Protocol = QemuPortForwardProtocol.Tcp, string HostAddress = "127.0.0.1");
