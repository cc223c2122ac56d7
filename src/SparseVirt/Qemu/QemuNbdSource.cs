using System.Globalization;

namespace SparseVirt.Qemu;

/// <summary>
/// Where a disk served over NBD lives: a Unix socket or a TCP address, and the export's name. A disk made with
/// <see cref="QemuDisk.FromNbd"/> is rendered as a <c>-blockdev driver=nbd</c> node.
/// </summary>
public sealed record QemuNbdSource
{
    private QemuNbdSource(string? socketPath, string? host, int port, string exportName)
    {
        SocketPath = socketPath;
        Host = host;
        Port = port;
        ExportName = exportName;
    }

    /// <summary>The server's Unix socket, or <see langword="null"/> for TCP.</summary>
    public string? SocketPath { get; private init; }

    /// <summary>The server's host name or address for TCP, or <see langword="null"/> for a Unix socket.</summary>
    public string? Host { get; private init; }

    /// <summary>The server's TCP port (0 for a Unix socket).</summary>
    public int Port { get; private init; }

    /// <summary>The export's name (may be empty: the server's default export).</summary>
    public string ExportName { get; private init; }

    /// <summary>An export reached through the Unix socket <paramref name="socketPath"/>.</summary>
    public static QemuNbdSource UnixSocket(string socketPath, string exportName)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(exportName);
        return new QemuNbdSource(socketPath, null, 0, exportName);
    }

    /// <summary>An export reached over TCP at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static QemuNbdSource Tcp(string host, int port, string exportName)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(exportName);
        return new QemuNbdSource(null, host, port, exportName);
    }

    /// <summary>The export's NBD URI (<c>nbd+unix:///NAME?socket=PATH</c> or <c>nbd://HOST:PORT/NAME</c>), for messages.</summary>
    public override string ToString() => SocketPath is not null
        ? $"nbd+unix:///{Uri.EscapeDataString(ExportName)}?socket={SocketPath}"
        : string.Create(CultureInfo.InvariantCulture, $"nbd://{(Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}/{Uri.EscapeDataString(ExportName)}");
}
