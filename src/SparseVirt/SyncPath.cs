using System.Diagnostics;

namespace SparseVirt;

/// <summary>
/// The library's one sync/async pattern, Npgsql's: an operation has one private core
/// <c>XxxCoreAsync(..., bool async, CancellationToken)</c> whose I/O reads <c>if (async) await x.ReadAsync(...); else x.Read(...);</c>.
/// The public async method awaits the core with <c>async: true</c>; the public sync method calls it with
/// <c>async: false</c> and takes the result here. With <c>async: false</c> every await in the core meets a completed
/// task, so the core has already finished when it returns; these methods check that, so a core that yields on its
/// sync path (a blocking wait on a thread-pool continuation, the deadlock that sync-over-async risks) is a bug found
/// by the tests, not a hang found by a user.
/// </summary>
internal static class SyncPath
{
    /// <summary>Ends a core called with <c>async: false</c>.</summary>
    public static void Complete(ValueTask task)
    {
        EnsureCompleted(task.IsCompleted);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Ends a core called with <c>async: false</c> and returns its result.</summary>
    public static T Complete<T>(ValueTask<T> task)
    {
        EnsureCompleted(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Ends a core called with <c>async: false</c>.</summary>
    public static void Complete(Task task)
    {
        EnsureCompleted(task.IsCompleted);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Ends a core called with <c>async: false</c> and returns its result.</summary>
    public static T Complete<T>(Task<T> task)
    {
        EnsureCompleted(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    [StackTraceHidden]
    private static void EnsureCompleted(bool completed)
    {
        if (!completed)
        {
            throw new InvalidOperationException(
                "A synchronous call reached an awaited operation that did not complete synchronously; its core passed async: false but awaited real asynchronous work. This is a SparseVirt bug.");
        }
    }
}
