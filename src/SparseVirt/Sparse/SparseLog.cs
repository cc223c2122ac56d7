using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>The sparse namespace's log messages (source-generated, allocation-free when disabled).</summary>
internal static partial class SparseLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Opened sparse image: {Chunks} chunks, {Blocks} blocks of {BlockSize} bytes, {RawLength} bytes expanded")]
    public static partial void Opened(ILogger logger, uint chunks, uint blocks, uint blockSize, long rawLength);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Count} bytes follow the last chunk (from byte offset {Offset}); they are ignored")]
    public static partial void TrailingBytes(ILogger logger, long count, long offset);
}
