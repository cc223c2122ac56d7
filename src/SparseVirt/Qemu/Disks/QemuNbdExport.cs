using System.Globalization;

namespace SparseVirt.Qemu.Disks;

/// <summary>
/// An export of an NBD server, reached over a Unix socket or TCP, as a read-only base or a writable disk
/// (<c>-blockdev driver=nbd</c>). The bytes it serves are read in <see cref="Format"/> (raw unless set).
/// </summary>
public sealed record QemuNbdExport : QemuDiskSource
{
    private QemuNbdExport(string? socketPath, string? host, int port, string exportName, QemuDiskFormat format)
    {
        SocketPath = socketPath;
        Host = host;
        Port = port;
        ExportName = exportName;
        Format = format;
    }

    /// <summary>The export <paramref name="exportName"/> of the server listening on the Unix socket <paramref name="socketPath"/>.</summary>
    public static QemuNbdExport OnUnixSocket(string socketPath, string exportName = "") => new(socketPath, null, 0, exportName, QemuDiskFormat.Raw);

    /// <summary>The export <paramref name="exportName"/> of the server at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static QemuNbdExport OnTcp(string host, int port, string exportName = "") => new(null, host, port, exportName, QemuDiskFormat.Raw);

    /// <summary>The server's Unix socket, or <see langword="null"/> for TCP.</summary>
    public string? SocketPath { get; private init; }

    /// <summary>The server's host name or address for TCP, or <see langword="null"/> for a Unix socket.</summary>
    public string? Host { get; private init; }

    /// <summary>The server's TCP port (0 for a Unix socket).</summary>
    public int Port { get; private init; }

    /// <summary>The export name (empty for the server's default export).</summary>
    public string ExportName { get; private init; }

    /// <summary>The format of the exported bytes (raw unless set).</summary>
    public QemuDiskFormat Format { get; private init; }

    /// <summary>A copy reading the exported bytes as <paramref name="format"/>.</summary>
    public QemuNbdExport WithFormat(QemuDiskFormat format) => this with { Format = format };

    /// <summary>The NBD URI, e.g. <c>nbd+unix:///export?socket=/run/nbd.sock</c> or <c>nbd://127.0.0.1:10809/export</c>.</summary>
    public override string Describe() => SocketPath is not null
        ? $"nbd+unix:///{Uri.EscapeDataString(ExportName)}?socket={SocketPath}"
        : string.Create(CultureInfo.InvariantCulture, $"nbd://{(Host!.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}/{Uri.EscapeDataString(ExportName)}");
}
