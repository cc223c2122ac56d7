namespace SparseVirt.Qemu.Waiting;

/// <summary>
/// Waits for items that satisfy a predicate: QMP events, serial console lines, guest agent replies. One lock orders
/// delivery and registration, and every delivered item is kept in a bounded <see cref="RecentItems{T}"/>, so a wait
/// registered "from" a sequence number sees the items delivered since then even if they arrived before it
/// registered: nothing falls between the call and the subscription.
/// </summary>
internal sealed class PendingMatches<T>(int historyCapacity)
{
    private readonly Lock _lock = new();
    private readonly RecentItems<T> _history = new(historyCapacity);
    private readonly List<Waiter> _waiters = [];
    private Func<Exception>? _ended;

    /// <summary>The sequence number of the next item to be delivered: pass it to <see cref="WaitAsync"/> to look back to this moment.</summary>
    public long NextSequence
    {
        get
        {
            lock (_lock)
            {
                return _history.NextSequence;
            }
        }
    }

    /// <summary>The retained items, oldest first.</summary>
    public List<T> Recent()
    {
        lock (_lock)
        {
            return _history.ToList();
        }
    }

    /// <summary>Completes every wait <paramref name="item"/> satisfies (a predicate that throws fails its own wait only) and retains it.</summary>
    public void Deliver(T item)
    {
        lock (_lock)
        {
            _history.Add(item);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].TryComplete(item))
                {
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Fails every wait, now and later, with the exception <paramref name="ended"/> makes (one per wait).</summary>
    public void FailAll(Func<Exception> ended)
    {
        lock (_lock)
        {
            _ended ??= ended;
            foreach (Waiter waiter in _waiters)
            {
                waiter.Result.TrySetException(_ended());
            }
            _waiters.Clear();
        }
    }

    /// <summary>
    /// Returns the first item satisfying <paramref name="predicate"/>: a retained one numbered <paramref name="fromSequence"/>
    /// or later (<see langword="long.MaxValue"/>: none), else the next one delivered.
    /// </summary>
    /// <exception cref="TimeoutException">None within <paramref name="timeout"/>; the message is <paramref name="timeoutMessage"/>.</exception>
    public Task<T> WaitAsync(Func<T, bool> predicate, long fromSequence, TimeSpan timeout, string timeoutMessage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new Waiter(predicate);
        lock (_lock)
        {
            foreach (T item in _history.Since(fromSequence))
            {
                if (waiter.TryComplete(item))
                {
                    return waiter.Result.Task;
                }
            }
            if (_ended is not null)
            {
                return Task.FromException<T>(_ended());
            }
            _waiters.Add(waiter);
        }
        return AwaitAsync(waiter, timeout, timeoutMessage, cancellationToken);
    }

    private async Task<T> AwaitAsync(Waiter waiter, TimeSpan timeout, string timeoutMessage, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(timeoutMessage);
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Waiter(Func<T, bool> predicate)
    {
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryComplete(T item)
        {
            try
            {
                return predicate(item) && Result.TrySetResult(item);
            }
#pragma warning disable CA1031 // A faulty caller predicate belongs to that caller's wait, not to the stream being watched.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return Result.TrySetException(e);
            }
        }
    }
}
