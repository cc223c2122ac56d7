namespace SparseVirt.Qemu;

/// <summary>A host port forwarded into the guest by user-mode networking (<c>hostfwd</c>). Immutable.</summary>
public sealed record QemuPortForward
{
    /// <summary>Forwards <paramref name="hostPort"/> on <paramref name="hostAddress"/> to <paramref name="guestPort"/> in the guest.</summary>
    /// <param name="hostPort">The port listened on, on the host; 0 picks any free port (read it back with <see cref="Qmp.QmpClient.QueryHostForwardsAsync"/>).</param>
    /// <param name="guestPort">The guest port connections are forwarded to.</param>
    /// <param name="protocol">TCP or UDP.</param>
    /// <param name="hostAddress">The host address listened on; <c>127.0.0.1</c> unless set, so the guest is not exposed to the network.</param>
    public QemuPortForward(int hostPort, int guestPort, QemuPortForwardProtocol protocol = QemuPortForwardProtocol.Tcp, string hostAddress = "127.0.0.1")
    {
        HostPort = hostPort;
        GuestPort = guestPort;
        Protocol = protocol;
        HostAddress = hostAddress;
    }

    /// <summary>The port listened on, on the host; 0 picks any free port.</summary>
    public int HostPort { get; private init; }

    /// <summary>The guest port connections are forwarded to.</summary>
    public int GuestPort { get; private init; }

    /// <summary>TCP or UDP.</summary>
    public QemuPortForwardProtocol Protocol { get; private init; }

    /// <summary>The host address listened on.</summary>
    public string HostAddress { get; private init; }

    /// <summary>A copy listening on <paramref name="hostAddress"/>.</summary>
    public QemuPortForward WithHostAddress(string hostAddress) => this with { HostAddress = hostAddress };
}
