using Microsoft.Extensions.Logging;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// A minimal logger factory writing one line per message to standard error. Written here rather than taken from
/// Microsoft.Extensions.Logging.Console so the NativeAOT build needs no configuration binding.
/// </summary>
/// <param name="error">Where the lines go.</param>
/// <param name="minimum">The least severe level written (<c>--verbosity</c>).</param>
internal sealed class StandardErrorLoggerFactory(TextWriter error, LogLevel minimum = LogLevel.Debug) : ILoggerFactory
{
    private readonly Lock _gate = new();

    internal LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this, ShortName(categoryName));

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("This factory has a single, built-in output.");

    public void Dispose()
    {
    }

    private static string ShortName(string category)
    {
        int dot = category.LastIndexOf('.');
        return dot < 0 ? category : category[(dot + 1)..];
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        string line = $"[{DateTime.Now:HH:mm:ss.fff} {LevelName(level)} {category}] {message}";
        lock (_gate)
        {
            error.WriteLine(line);
            if (exception is not null)
            {
                error.WriteLine(exception.ToString());
            }
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class Logger(StandardErrorLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
