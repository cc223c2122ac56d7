namespace SparseVirt.Qemu.Qmp;

/// <summary>A user-networking port forward as QEMU has bound it (from <c>info usernet</c>), with the real host port when 0 was asked for.</summary>
/// <param name="Protocol"><c>TCP</c> or <c>UDP</c>.</param>
/// <param name="HostAddress">The host address listened on.</param>
/// <param name="HostPort">The host port actually bound.</param>
/// <param name="GuestAddress">The guest address connections go to.</param>
/// <param name="GuestPort">The guest port connections go to.</param>
public sealed record QmpHostForward(string Protocol, string HostAddress, int HostPort, string GuestAddress, int GuestPort);
