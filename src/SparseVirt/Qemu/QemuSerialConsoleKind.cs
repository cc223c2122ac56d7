namespace SparseVirt.Qemu;

/// <summary>Where the guest's first serial port goes.</summary>
public enum QemuSerialConsoleKind
{
    /// <summary>No serial port.</summary>
    None,

    /// <summary>Appended to a file.</summary>
    File,

    /// <summary>A Unix socket QEMU listens on, for another program to connect to.</summary>
    UnixSocket,

    /// <summary>Captured by this library and exposed as <see cref="QemuMachine.Serial"/>.</summary>
    Captured,
}
