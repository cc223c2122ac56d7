using Microsoft.Extensions.Logging;

namespace SparseVirt.Nbd.Server;

/// <summary>The server's log messages (event ids 60xx).</summary>
internal static partial class NbdLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "NBD server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Connection {Connection} accepted")]
    public static partial void Accepted(ILogger logger, int connection);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Connection refused before the greeting: {Count} connections are open, the limit of {Limit}")]
    public static partial void TooManyConnections(ILogger logger, int count, int limit);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Debug, Message = "Connection {Connection}: option {Option} ({Length} bytes) answered {Reply}")]
    public static partial void OptionAnswered(ILogger logger, int connection, uint option, uint length, string reply);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Connection {Connection} serves export '{Export}' ({Size} bytes, structured replies {Structured}, block status {BlockStatus})")]
    public static partial void Serving(ILogger logger, int connection, string export, long size, bool structured, bool blockStatus);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Connection {Connection} closed: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, int connection, string reason);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Debug, Message = "Connection {Connection} ended: {Reason}")]
    public static partial void Ended(ILogger logger, int connection, string reason);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Debug, Message = "Connection {Connection}: {Command} at {Offset} ({Length} bytes) failed with {Error}: {Message}")]
    public static partial void RequestFailed(ILogger logger, int connection, string command, ulong offset, uint length, string error, string message);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Error, Message = "Connection {Connection}: reading the export failed at {Offset}")]
    public static partial void ReadFailed(ILogger logger, int connection, long offset, Exception exception);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "Connection {Connection}: {Command} at {Offset} ({Length} bytes) failed unexpectedly; the connection is closed")]
    public static partial void RequestCrashed(ILogger logger, int connection, string command, ulong offset, uint length, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "NBD server stopping; {Count} connections open")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Connection {Connection} closed: it did not finish negotiating within the handshake limit of {Limit}")]
    public static partial void HandshakeTimedOut(ILogger logger, int connection, TimeSpan limit);
}
