using System.Security.Cryptography;
using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Nbd;

/// <summary>Writable exports: copy-on-write into an overlay, the source never written.</summary>
public class NbdWritableExportTests
{
    [Test]
    public async Task Qemu_io_writes_flushes_and_reads_back_while_the_image_stays_unchanged()
    {
        using var dir = new TempDirectory();
        string image = dir.Combine("base.raw");
        byte[] original = new byte[4 * 1024 * 1024];
        new Random(3).NextBytes(original);
        File.WriteAllBytes(image, original);
        DateTime mtime = File.GetLastWriteTimeUtc(image);
        string overlay = dir.Combine("overlay.raw");

        using (RawFileBlockSource source = RawFileBlockSource.Open(image))
        {
            await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source).WithWritable().WithOverlayPath(overlay)]);
            string uri = server.GetUri();

            ToolResult io = ExternalTool.Run(NbdTools.QemuIo, [
                "-f", "raw",
                "-c", "write -P 0xab 4096 65536",
                "-c", "write -P 0xcd 100000 333",
                "-c", "flush",
                "-c", "read -P 0xab 4096 65536",
                "-c", "read -P 0xcd 100000 333",
                "-c", "write -z -u 1048576 131072",
                "-c", "discard 2097152 65536",
                "-c", "write -z 3145728 8192",
                "-c", "read -P 0 1048576 131072",
                uri]);
            Assert.That(io.ExitCode, Is.Zero, io.Output + io.Error);
            Assert.That(io.Output, Does.Not.Contain("Pattern verification failed").And.Not.Contain("failed"));

            var map = NbdTools.NbdInfoMap(uri);
            Assert.That(map, Does.Contain((1048576L, 131072L, 3)), "write-zeroes that may unmap is a hole");
            Assert.That(map, Does.Contain((2097152L, 65536L, 3)), "trim is a hole");
            Assert.That(map.Single(e => e.Offset <= 3145728 && e.Offset + e.Length > 3145728).Type & 2, Is.EqualTo(2), "write-zeroes reads as zeros");

            // Everything outside the written ranges still reads from the image; bytes around a partial write are kept.
            byte[] expected = (byte[])original.Clone();
            expected.AsSpan(4096, 65536).Fill(0xab);
            expected.AsSpan(100000, 333).Fill(0xcd);
            expected.AsSpan(1048576, 131072).Clear();
            expected.AsSpan(2097152, 65536).Clear();
            expected.AsSpan(3145728, 8192).Clear();
            string copy = dir.Combine("copy.raw");
            ExternalTool.RunChecked(NbdTools.NbdCopy, uri, copy);
            Assert.That(SHA256.HashData(File.ReadAllBytes(copy)), Is.EqualTo(SHA256.HashData(expected)));
        }

        Assert.That(SHA256.HashData(File.ReadAllBytes(image)), Is.EqualTo(SHA256.HashData(original)), "the image's bytes");
        Assert.That(File.GetLastWriteTimeUtc(image), Is.EqualTo(mtime), "the image's mtime");
        Assert.That(File.Exists(overlay), Is.True, "the named overlay is kept");
    }

    [Test]
    public async Task Writes_to_a_read_only_export_fail_with_eperm_and_the_connection_goes_on()
    {
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("ro", new MemoryBlockSource(new byte[65536]))]);
        using var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        client.Handshake();
        (ulong size, ushort flags) = client.Go("ro");
        Assert.That(size, Is.EqualTo(65536UL));
        Assert.That(flags & 2, Is.EqualTo(2), "NBD_FLAG_READ_ONLY");

        client.SendRequest(1, 0, 4096, cookie: 7, payload: new byte[4096]);
        NbdReplyMessage write = client.ReadReply();
        client.SendRequest(4, 0, 4096, cookie: 8);
        NbdReplyMessage trim = client.ReadReply();
        client.SendRequest(0, 0, 512, cookie: 9);
        NbdReplyMessage read = client.ReadReply();

        Assert.That((write.Cookie, write.Error), Is.EqualTo((7UL, 1u)), "EPERM");
        Assert.That((trim.Cookie, trim.Error), Is.EqualTo((8UL, 1u)), "EPERM");
        Assert.That((read.Cookie, read.Error, read.Type), Is.EqualTo((9UL, 0u, (ushort)1)));
    }

    [Test]
    public async Task A_temporary_overlay_leaves_no_file_and_writes_are_seen_by_other_connections()
    {
        var source = new ScriptedBlockSource(4096, (1024 * 1024, BlockExtentKind.Hole));
        await using NbdServer server = await NbdServer.StartAsync([new NbdExport("disk", source).WithWritable()]);
        string[] before = Directory.GetFiles(Path.GetTempPath(), "sparsevirt-overlay-*");
        Assert.That(before, Is.Empty, "the temporary overlay is unlinked at once");

        ExternalTool.RunChecked(NbdTools.QemuIo, "-f", "raw", "-c", "write -P 0x5a 8192 4096", server.GetUri());
        ToolResult read = ExternalTool.RunChecked(NbdTools.QemuIo, "-f", "raw", "-c", "read -P 0x5a 8192 4096", "-c", "read -P 0 0 8192", server.GetUri());

        Assert.That(read.Output, Does.Not.Contain("failed"));
        Assert.That(NbdTools.NbdInfoMap(server.GetUri()), Is.EqualTo(new[] { (0L, 8192L, 3), (8192L, 4096L, 0), (12288L, 1024L * 1024 - 12288, 3) }));
    }
}
