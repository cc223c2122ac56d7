namespace SparseVirt.Qemu;

/// <summary>The transport of a user-mode network port forward.</summary>
public enum QemuPortForwardProtocol
{
    /// <summary>TCP.</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,
}
