namespace SparseVirt.Qemu.CommandLine;

/// <summary>The Unix sockets the launcher listens on, which QEMU connects to as a client.</summary>
/// <param name="MonitorPath">The QMP monitor socket.</param>
/// <param name="SerialCapturePath">The captured serial console's socket, when the definition captures it.</param>
/// <param name="GuestAgentPath">The guest agent channel's socket (QEMU listens), when the definition has one.</param>
internal sealed record QemuLaunchSockets(string MonitorPath, string? SerialCapturePath, string? GuestAgentPath = null);
