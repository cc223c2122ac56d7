using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>Log messages of sparse image creation, splitting and appending (source-generated).</summary>
internal static partial class SparseWriterLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Sparsing {RawLength} bytes of raw data in {BlockSize}-byte blocks (zero blocks as {ZeroBlocks}, CRC32 {Crc})")]
    public static partial void Converting(ILogger logger, long rawLength, int blockSize, string zeroBlocks, bool crc);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Wrote a sparse image of {Chunks} chunks covering {Blocks} blocks ({SparseLength} bytes); {HoleBytes} bytes of holes were skipped unread")]
    public static partial void Converted(ILogger logger, uint chunks, uint blocks, long sparseLength, long holeBytes);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "The destination cannot seek: the image is built in the temporary file {TemporaryPath} and then copied")]
    public static partial void Spooling(ILogger logger, string temporaryPath);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Splitting an image of {Chunks} chunks into pieces of at most {MaxBytes} bytes: {Pieces} pieces")]
    public static partial void Splitting(ILogger logger, int chunks, long maxBytes, int pieces);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Debug, Message = "The input is not a sparse image; it is sparsed into {TemporaryPath} before splitting")]
    public static partial void SplittingRaw(ILogger logger, string temporaryPath);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Debug, Message = "Appending {Length} bytes at block {Block} of a {Kind} image")]
    public static partial void Appending(ILogger logger, long length, long block, string kind);
}
