using Microsoft.Extensions.Logging;

namespace SparseVirt.Fuzz.Harness;

/// <summary>
/// A logger that keeps the first error-level entry: a library that logs an error and carries on (a request handler
/// that failed unexpectedly, a read of an in-memory source that failed) has met a bug the fuzz input must not cause,
/// even though no exception reaches the target. Lower levels are not even formatted, unless the environment variable
/// <c>FUZZ_LOG</c> is set (for replays): then every entry is also printed to stderr, to see what an input does.
/// </summary>
internal sealed class FailureLogger : ILogger
{
    private static readonly bool Verbose = Environment.GetEnvironmentVariable("FUZZ_LOG") is { Length: > 0 };

    private (string Message, Exception? Exception)? _first;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => Verbose || logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (Verbose)
        {
            Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}{(exception is null ? "" : ": " + exception.Message)}");
        }
        if (logLevel >= LogLevel.Error)
        {
            lock (this)
            {
                _first ??= ($"event {eventId.Id}: {formatter(state, exception)}", exception);
            }
        }
    }

    /// <summary>Throws a finding for the first error logged since the last call, if any, and forgets it.</summary>
    public void ThrowIfFailed()
    {
        (string Message, Exception? Exception)? first;
        lock (this)
        {
            first = _first;
            _first = null;
        }
        if (first is { } failure)
        {
            throw failure.Exception is null ? new FuzzFindingException("The library logged an error: " + failure.Message)
                : new FuzzFindingException("The library logged an error: " + failure.Message, failure.Exception);
        }
    }
}
