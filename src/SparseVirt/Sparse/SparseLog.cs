using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>The sparse area's log messages for opening and expanding (source-generated, allocation-free when disabled).</summary>
internal static partial class SparseLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Opened sparse image: {Chunks} chunks, {Blocks} blocks of {BlockSize} bytes, {RawLength} bytes expanded")]
    public static partial void Opened(ILogger logger, uint chunks, uint blocks, uint blockSize, long rawLength);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Count} bytes follow the last chunk (from byte offset {Offset}); they are ignored")]
    public static partial void TrailingBytes(ILogger logger, long count, long offset);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Expanding piece {Piece} of {Pieces}: {Chunks} chunks, {RawLength} bytes, into {Destination}")]
    public static partial void ExpandingPiece(ILogger logger, int piece, int pieces, int chunks, long rawLength, string destination);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "copy_file_range is not available between these files; copying RAW data through memory")]
    public static partial void KernelCopyUnavailable(ILogger logger);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Expanded {RawLength} bytes: {RawBytes} RAW, {FillBytes} non-zero FILL, {ZeroBytes} zero FILL, {SkippedBytes} DONT_CARE; {Checksums} checksums verified")]
    public static partial void Expanded(ILogger logger, long rawLength, long rawBytes, long fillBytes, long zeroBytes, long skippedBytes, int checksums);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Streaming a sparse image: {Chunks} chunks, {Blocks} blocks of {BlockSize} bytes, {RawLength} bytes expanded")]
    public static partial void StreamHeader(ILogger logger, uint chunks, uint blocks, uint blockSize, long rawLength);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "At least {Count} bytes follow the last chunk of the streamed image (from byte offset {Offset}); they are ignored")]
    public static partial void StreamTrailingBytes(ILogger logger, long count, long offset);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Writing {Destination} in place ({Kind})")]
    public static partial void WritingInPlace(ILogger logger, string destination, string kind);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Reading the image from a pipe: RAW payloads are spliced into {Destination} inside the kernel")]
    public static partial void SplicingFromPipe(ILogger logger, string destination);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug, Message = "splice into the output is not possible here; copying RAW data through memory")]
    public static partial void SpliceUnavailable(ILogger logger);
}
