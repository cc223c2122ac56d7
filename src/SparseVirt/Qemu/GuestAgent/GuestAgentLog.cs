using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.GuestAgent;

/// <summary>The guest agent client's log messages.</summary>
internal static partial class GuestAgentLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Debug, Message = "Guest agent synchronised (id {Id})")]
    public static partial void Synchronised(ILogger logger, long id);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "Guest agent channel ended")]
    public static partial void ChannelEnded(ILogger logger, Exception reason);
}
