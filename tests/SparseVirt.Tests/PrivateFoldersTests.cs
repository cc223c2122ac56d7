namespace SparseVirt.Tests;

/// <summary>The one helper for private socket folders (QEMU's launch sockets, the NBD server's socket).</summary>
public class PrivateFoldersTests
{
    private const string Prefix = "sparsevirt-test-";

    [Test]
    public void A_socket_folder_stays_in_a_short_temporary_folder()
    {
        Assert.That(PrivateFolders.SocketParent("/tmp/short/", Prefix, "guest-agent.sock".Length), Is.EqualTo("/tmp/short/"));
    }

    [Test]
    public void A_socket_folder_moves_to_tmp_when_a_long_TMPDIR_would_make_socket_paths_too_long_to_bind()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix socket paths only.");
        }
        // 60 bytes of TMPDIR fit no socket path: the folder's own name (prefix, pid, random) and the socket name add ~50.
        string longTemp = "/" + new string('t', 59) + "/";
        Assert.That(PrivateFolders.SocketParent(longTemp, Prefix, "guest-agent.sock".Length), Is.EqualTo("/tmp"));
        Assert.That(PrivateFolders.SocketParent(longTemp, Prefix, 1), Is.EqualTo(longTemp), "a short socket name still fits");
    }

    [Test]
    public void A_socket_path_in_the_folder_chosen_always_binds()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix socket paths only.");
        }
        foreach (int tempLength in new[] { 5, 30, 45, 50, 51, 52, 53, 54, 55, 70, 150 })
        {
            string temp = "/" + new string('t', tempLength - 2) + "/";
            string parent = PrivateFolders.SocketParent(temp, Prefix, "guest-agent.sock".Length);
            string socket = Path.Combine(parent, $"{Prefix}{Environment.ProcessId}-abcdefghijk", "guest-agent.sock");
            Assert.That(System.Text.Encoding.UTF8.GetByteCount(socket), Is.LessThanOrEqualTo(PrivateFolders.MaxSocketPathBytes), $"TMPDIR of {tempLength} bytes");
        }
    }

    [Test]
    public void A_socket_folder_is_private_and_removed_with_its_contents()
    {
        string folder = PrivateFolders.CreateForSockets(Prefix, "x.sock".Length);
        try
        {
            Assert.That(Path.GetFileName(folder), Does.StartWith($"{Prefix}{Environment.ProcessId}-"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            }
            File.WriteAllText(Path.Combine(folder, "x.sock"), "");
        }
        finally
        {
            PrivateFolders.Delete(folder);
        }
        Assert.That(Directory.Exists(folder), Is.False);
        Assert.DoesNotThrow(() => PrivateFolders.Delete(folder), "a folder already gone is fine");
    }
}
