using System.Buffers;
using System.IO.Pipelines;
using SparseVirt.Nbd.Server;

namespace SparseVirt.Tests.Nbd;

/// <summary>
/// The connection's reply channel when the connection ends under requests still in flight (found by the nbd-server
/// fuzz target: a write's reply sent after the pipe was completed threw InvalidOperationException, logged as a crash).
/// </summary>
public class ReplyChannelTests
{
    [Test]
    public async Task A_send_after_the_channel_closed_and_the_pipe_completed_fails_as_cancelled_without_writing()
    {
        var pipe = new Pipe();
        using var aborted = new CancellationTokenSource();
        using var channel = new ReplyChannel(pipe.Writer, aborted);

        await channel.CloseAsync(TimeSpan.FromSeconds(5));
        await pipe.Writer.CompleteAsync();

        Assert.That(async () => await channel.SendAsync(0, static (writer, _) => writer.Write(new byte[] { 1, 2, 3 })),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(aborted.IsCancellationRequested, Is.True, "closing aborts the connection");
        ReadResult read = await pipe.Reader.ReadAsync();
        Assert.That(read.Buffer.Length, Is.Zero, "nothing was written after the close");
    }

    [Test]
    public async Task Closing_waits_for_the_holder_of_the_channel_to_leave()
    {
        var pipe = new Pipe();
        using var aborted = new CancellationTokenSource();
        using var channel = new ReplyChannel(pipe.Writer, aborted);
        await channel.EnterAsync();

        Task closing = channel.CloseAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        Assert.That(closing.IsCompleted, Is.False, "a reply is being written");

        channel.Exit();
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(closing.IsCompletedSuccessfully, Is.True);
    }
}
