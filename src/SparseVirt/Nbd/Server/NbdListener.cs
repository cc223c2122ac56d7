using System.Net;
using System.Net.Sockets;

namespace SparseVirt.Nbd.Server;

/// <summary>Binding the listening socket, naming it as an NBD URI, and removing it afterwards.</summary>
internal static class NbdListener
{
    public static Socket BindTcp(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            socket.Bind(endPoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static Socket BindUnix(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // Before listen(): until then nobody can connect, so there is no moment when the socket is open to others.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static void RemoveSocket(string? path, string? privateDirectory)
    {
        try
        {
            if (path is not null)
            {
                File.Delete(path);
            }
            if (privateDirectory is not null)
            {
                Directory.Delete(privateDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Removed by someone else already, or the directory gained files that are not ours: leave it.
        }
    }

    public static string FormatUri(string exportName, string? socketPath, IPEndPoint? endPoint)
    {
        string name = Uri.EscapeDataString(exportName);
        if (socketPath is not null)
        {
            return $"nbd+unix:///{name}?socket={Uri.EscapeDataString(socketPath).Replace("%2F", "/", StringComparison.Ordinal)}";
        }
        string host = endPoint!.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
        return $"nbd://{host}:{endPoint.Port}/{name}";
    }
}
