using Microsoft.Extensions.Logging;
using SparseVirt.BlockSources;
using SparseVirt.Nbd;
using SparseVirt.Tests.Qemu;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// A request whose handling fails with an exception no one expects (a bug in a block source, say) must not leave the
/// client waiting for a reply that never comes: the server logs it as an error and closes that connection only.
/// </summary>
[CancelAfter(60_000)]
public class NbdUnexpectedFailureTests
{
    [Test]
    public async Task A_source_throwing_an_unexpected_exception_closes_the_connection_and_logs_an_error()
    {
        var logger = new RecordingLogger();
        var good = new MemoryBlockSource(new byte[64 * 1024]);
        await using NbdServer server = await NbdServer.StartAsync(
            [new NbdExport("broken", new BrokenBlockSource(64 * 1024)), new NbdExport("good", good)],
            NbdServerOptions.Default.WithLogger(logger));
        using (var client = RawNbdClient.ConnectUnix(server.UnixSocketPath!))
        {
            client.Handshake();
            client.Go("broken");
            client.SendRequest(0, 0, 4096, cookie: 5);
            Assert.That(client.IsClosedByServer(), Is.True);
        }
        Assert.That(logger.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("failed unexpectedly", StringComparison.Ordinal)));

        using var other = RawNbdClient.ConnectUnix(server.UnixSocketPath!);
        other.Handshake();
        other.Go("good");
        other.SendRequest(0, 0, 512, cookie: 6);
        Assert.That(other.ReadReply().Error, Is.Zero, "the other connection is served");
    }

    /// <summary>All data, but every read fails as a bug would: not with an I/O error the server maps to EIO.</summary>
    private sealed class BrokenBlockSource(long length) : IBlockSource
    {
        public long Length => length;

        public int BlockSize => 4096;

        public void Read(long offset, Span<byte> destination) => throw new InvalidOperationException("a bug in the source");

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("a bug in the source");

        public IEnumerable<BlockExtent> GetExtents(long offset, long length) => [new BlockExtent(offset, length, BlockExtentKind.Data)];
    }
}
