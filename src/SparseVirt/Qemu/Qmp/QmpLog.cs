using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Qmp;

/// <summary>The QMP client's log messages.</summary>
internal static partial class QmpLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "QMP connected to {Package} {Version}, capabilities [{Capabilities}]")]
    public static partial void Connected(ILogger logger, string package, Version version, string capabilities);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Trace, Message = "QMP -> {Command} (id {Id})")]
    public static partial void Sending(ILogger logger, string command, long id);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "QMP event {Name}")]
    public static partial void EventReceived(ILogger logger, string name);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Debug, Message = "QMP reply dropped: no command is waiting for id {Id}")]
    public static partial void UnmatchedReply(ILogger logger, string id);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "QMP error answering no command sent (id {Id}): {ErrorClass}: {Description}; ending the connection")]
    public static partial void UncorrelatedError(ILogger logger, string id, string errorClass, string description);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Debug, Message = "QMP connection ended")]
    public static partial void ConnectionEnded(ILogger logger, Exception? reason);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "QMP event buffer full: dropped the oldest event for a slow reader")]
    public static partial void EventDropped(ILogger logger);
}
