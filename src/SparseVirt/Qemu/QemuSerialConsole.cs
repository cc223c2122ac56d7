namespace SparseVirt.Qemu;

/// <summary>The destination of the guest's first serial port (<c>-chardev</c> plus <c>-serial chardev:</c>).</summary>
public sealed record QemuSerialConsole
{
    private QemuSerialConsole(QemuSerialConsoleKind kind, string? path)
    {
        Kind = kind;
        Path = path;
    }

    /// <summary>No serial port.</summary>
    public static QemuSerialConsole None { get; } = new(QemuSerialConsoleKind.None, null);

    /// <summary>Captured by the library: the running machine's <see cref="QemuMachine.Serial"/> has the lines the guest prints.</summary>
    public static QemuSerialConsole Captured { get; } = new(QemuSerialConsoleKind.Captured, null);

    /// <summary>Written to the file at <paramref name="path"/>.</summary>
    public static QemuSerialConsole ToFile(string path) => new(QemuSerialConsoleKind.File, path);

    /// <summary>Served on a Unix socket at <paramref name="path"/>; QEMU listens and does not wait for a client.</summary>
    public static QemuSerialConsole ToUnixSocket(string path) => new(QemuSerialConsoleKind.UnixSocket, path);

    /// <summary>Where the serial port goes.</summary>
    public QemuSerialConsoleKind Kind { get; }

    /// <summary>The file or socket path for <see cref="QemuSerialConsoleKind.File"/> and <see cref="QemuSerialConsoleKind.UnixSocket"/>.</summary>
    public string? Path { get; }
}
