using Microsoft.Extensions.Logging;

namespace SparseVirt.FileSystems;

/// <summary>The FileSystems area's log messages (source-generated).</summary>
internal static partial class FileSystemsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Opened {Kind} file system '{Label}' with {BlockSize}-byte blocks")]
    public static partial void Opened(ILogger logger, FileSystemKind kind, string label, int blockSize);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Kind}: {Warning}")]
    public static partial void OpenWarning(ILogger logger, FileSystemKind kind, string warning);
}
