using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Nbd.Server;

/// <summary>
/// The connection's one outgoing pipe, shared by every request in flight: each reply (or each group of chunks) is
/// written and flushed under a lock, so replies to different requests never interleave inside a message.
/// </summary>
internal sealed class ReplyChannel(PipeWriter writer, CancellationTokenSource connectionAborted) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Writes one message group with <paramref name="write"/> and flushes it.</summary>
    public async ValueTask SendAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        await EnterAsync().ConfigureAwait(false);
        try
        {
            write(writer, state);
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Takes the channel for a reply written in several flushes (a simple read reply); <see cref="Exit"/> gives it back.</summary>
    public Task EnterAsync() => _lock.WaitAsync(connectionAborted.Token);

    /// <summary>The pipe, for a holder of the channel.</summary>
    public PipeWriter Writer => writer;

    /// <summary>Flushes what the holder wrote; a failure means the client is gone, so the whole connection is aborted.</summary>
    public async ValueTask FlushAsync()
    {
        try
        {
            FlushResult result = await writer.FlushAsync(connectionAborted.Token).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("The client stopped reading replies.");
            }
        }
        catch
        {
            Abort();
            throw;
        }
    }

    public void Exit() => _lock.Release();

    /// <summary>Ends the connection: reads and pending sends stop.</summary>
    public void Abort()
    {
        try
        {
            connectionAborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down.
        }
    }

    /// <summary>
    /// Ends the channel before the connection completes its pipe: aborts the connection (pending sends and flushes
    /// stop), then waits for the holder of the channel, if any, to leave it and keeps it, so a request still in flight
    /// never writes into a completed pipe; its send fails as cancelled, the way a send to a client that went away does.
    /// </summary>
    public async Task CloseAsync(TimeSpan holderTimeout)
    {
        Abort();
        // A holder leaves at once: its flush is cancelled by the abort. The timeout only guards against a bug there.
        _ = await _lock.WaitAsync(holderTimeout).ConfigureAwait(false);
    }

    public void Dispose() => _lock.Dispose();
}
