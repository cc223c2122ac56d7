using Microsoft.Extensions.Logging;

namespace SparseVirt.Layouts;

/// <summary>The Layouts area's log messages (source-generated).</summary>
internal static partial class LayoutsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The primary metadata of slot {Slot} is unusable ({Reason}); the backup copy was read instead")]
    public static partial void UsingBackupMetadata(ILogger logger, uint slot, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The primary geometry is unusable ({Reason}); the backup copy was read instead")]
    public static partial void UsingBackupGeometry(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Read liblp metadata 10.{Minor} of slot {Slot}: {Partitions} partitions, {Groups} groups, {Devices} block devices")]
    public static partial void ReadMetadata(ILogger logger, ushort minor, uint slot, int partitions, int groups, int devices);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Extracted partition {Name} ({Bytes} bytes) to {Path}")]
    public static partial void ExtractedPartition(ILogger logger, string name, long bytes, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The primary GPT header is unusable ({Reason}); the backup header was read instead")]
    public static partial void UsingBackupGpt(ILogger logger, string reason);
}
