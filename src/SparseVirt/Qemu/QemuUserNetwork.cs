using System.Collections.Immutable;

namespace SparseVirt.Qemu;

/// <summary>User-mode (SLIRP) networking: the guest reaches out through the host's sockets, the host reaches in through port forwards.</summary>
public sealed record QemuUserNetwork
{
    /// <summary>The host ports forwarded into the guest.</summary>
    public ImmutableArray<QemuPortForward> PortForwards { get; private init; } = [];

    /// <summary>The guest's network card model (<c>virtio-net-pci</c> unless set).</summary>
    public string DeviceModel { get; private init; } = "virtio-net-pci";

    /// <summary>A copy with <paramref name="forward"/> added.</summary>
    public QemuUserNetwork WithPortForward(QemuPortForward forward) => this with { PortForwards = PortForwards.Add(forward) };

    /// <summary>A copy with network card model <paramref name="model"/>.</summary>
    public QemuUserNetwork WithDeviceModel(string model) => this with { DeviceModel = model };
}
