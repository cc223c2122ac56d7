using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace SparseVirt.Sparse;

/// <summary>Builds and throws the format exceptions, kept off the hot paths.</summary>
internal static class SparseThrowHelper
{
    [DoesNotReturn]
    public static void ThrowBadMagic(uint magic, ReadOnlySpan<byte> firstBytes)
    {
        string? looksLike = DiskImageFormatSniffer.Describe(firstBytes);
        string problem = $"wrong magic 0x{magic:X8} (a sparse image starts with 0x{SparseFormat.Magic:X8})";
        if (looksLike is not null)
        {
            problem += $"; this looks like {looksLike}, not an Android sparse image";
        }
        throw Format(problem, null, 0);
    }

    /// <summary>An <see cref="InvalidDataException"/> whose message and data name the problem and its location.</summary>
    public static InvalidDataException Format(string problem, int? chunkIndex, long? byteOffset) =>
        SparseErrorInfo.WithLocation(new InvalidDataException(SparseErrorLocation.Describe(problem, chunkIndex, byteOffset)), chunkIndex, byteOffset);

    /// <summary>A checksum mismatch at a CRC32 chunk, or (with a null index) in the header's image checksum.</summary>
    public static InvalidDataException ChecksumMismatch(uint expected, uint actual, int? chunkIndex, long? byteOffset)
    {
        InvalidDataException exception = Format(
            chunkIndex is null
                ? $"image checksum mismatch: the header records 0x{expected:X8} but the expanded image's CRC32 is 0x{actual:X8}"
                : $"CRC32 mismatch: the chunk records 0x{expected:X8} but the data expanded before it has CRC32 0x{actual:X8}",
            chunkIndex,
            byteOffset);
        exception.Data[SparseErrorInfo.ExpectedCrc32Key] = expected;
        exception.Data[SparseErrorInfo.ActualCrc32Key] = actual;
        return exception;
    }

    [DoesNotReturn]
    public static void ThrowHeaderField(string problem, long fieldOffset) =>
        throw Format(problem, null, fieldOffset);

    [DoesNotReturn]
    public static void ThrowChunk(string problem, int chunkIndex, long headerOffset) =>
        throw Format(problem, chunkIndex, headerOffset);

    [DoesNotReturn]
    public static void ThrowTruncated(string problem, int? chunkIndex, long offset) =>
        throw new SparseTruncatedException(problem, chunkIndex, offset);

    [DoesNotReturn]
    public static void ThrowHeaderTruncated(long available) =>
        throw new SparseTruncatedException(
            available == 0
                ? "the input is empty; a sparse image starts with a 28-byte header"
                : $"the input ends after {available} bytes, inside the 28-byte sparse header",
            null,
            available);

    public static uint ReadMagicOrZero(ReadOnlySpan<byte> source) =>
        source.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(source) : 0;

    /// <summary>
    /// The same format or truncation error with the input's name (its path) in front of the message, keeping the
    /// exception's type and location data, so a tool printing the message says which file is bad; null when
    /// <paramref name="error"/> is not a sparse-image error.
    /// </summary>
    public static Exception? NameSource(Exception error, string source)
    {
        Exception? named = error switch
        {
            SparseTruncatedException truncated => new SparseTruncatedException($"{source}: {truncated.Message}", truncated),
            InvalidDataException invalid => new InvalidDataException($"{source}: {invalid.Message}", invalid),
            _ => null,
        };
        if (named is not null)
        {
            foreach (System.Collections.DictionaryEntry entry in error.Data)
            {
                named.Data[entry.Key] = entry.Value;
            }
        }
        return named;
    }
}
