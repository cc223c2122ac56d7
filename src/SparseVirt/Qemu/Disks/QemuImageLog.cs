using Microsoft.Extensions.Logging;

namespace SparseVirt.Qemu.Disks;

/// <summary>The overlay helpers' log messages.</summary>
internal static partial class QemuImageLog
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "Overlay {Path} reused over {Backing}")]
    public static partial void OverlayReused(ILogger logger, string path, string backing);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Overlay {Path} created over {Backing}: {Reason}")]
    public static partial void OverlayCreated(ILogger logger, string path, string backing, string reason);
}
