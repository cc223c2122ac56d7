using System.Net.Sockets;
using System.Text;

namespace SparseVirt.Qemu.Launch;

/// <summary>A listening Unix socket QEMU connects to as a client (its chardev has <c>server=off</c>).</summary>
internal static class UnixSocketListener
{
    public static Socket Listen(string path)
    {
        if (Encoding.UTF8.GetByteCount(path) > PrivateFolders.MaxSocketPathBytes)
        {
            throw new IOException($"The Unix socket path '{path}' is longer than {PrivateFolders.MaxSocketPathBytes} bytes; set TMPDIR to a shorter folder.");
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(1);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
