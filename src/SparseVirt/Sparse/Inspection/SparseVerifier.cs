using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse.Inspection;

/// <summary>
/// Checks a whole sparse image: its structure (header, every chunk header, block counts, truncation) and, when it
/// records any, its checksums: each CRC32 chunk against the CRC32 of everything expanded before it, and a non-zero
/// header image checksum against the CRC32 of the whole expanded image (DONT_CARE counted as zeros, as libsparse
/// counts it). Bad input is reported in the result, not thrown.
/// </summary>
public static class SparseVerifier
{
    private const int BufferBytes = 1024 * 1024;

    /// <summary>Verifies the sparse image at <paramref name="path"/>.</summary>
    /// <param name="path">The sparse image.</param>
    /// <param name="progress">Receives the number of expanded bytes checksummed so far.</param>
    /// <param name="logger">Receives diagnostics.</param>
    /// <exception cref="FileNotFoundException">There is no such file (the other I/O errors propagate too).</exception>
    public static SparseVerificationResult Verify(string path, IProgress<long>? progress = null, ILogger? logger = null) =>
        VerifyCoreAsync(path, progress, logger, useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Verify(string, IProgress{long}?, ILogger?)"/>
    /// <param name="path">The sparse image.</param>
    /// <param name="progress">Receives the number of expanded bytes checksummed so far.</param>
    /// <param name="logger">Receives diagnostics.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    public static Task<SparseVerificationResult> VerifyAsync(string path, IProgress<long>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        VerifyCoreAsync(path, progress, logger, useAsync: true, cancellationToken).AsTask();

    private static async ValueTask<SparseVerificationResult> VerifyCoreAsync(string path, IProgress<long>? progress, ILogger? logger, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SparseImage image;
        try
        {
            image = useAsync
                ? await SparseImage.OpenAsync(path, logger, cancellationToken).ConfigureAwait(false)
                : SparseImage.Open(path, logger);
        }
        catch (Exception e) when (e is InvalidDataException or SparseTruncatedException)
        {
            return Failure(e, 0, 0, 0, false, null);
        }

        using (image)
        {
            bool hasChecksums = image.Header.ImageChecksum != 0 || image.Chunks.Any(c => c.Type == SparseChunkType.Crc32);
            if (!hasChecksums)
            {
                return new SparseVerificationResult { IsValid = true, Chunks = image.Chunks.Count, RawLength = image.RawLength };
            }
            return await CheckChecksumsAsync(image, progress, useAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<SparseVerificationResult> CheckChecksumsAsync(SparseImage image, IProgress<long>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        uint blockSize = image.Header.BlockSize;
        var crc = new Crc32();
        int crcChunks = 0;
        long expanded = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            foreach (SparseChunk chunk in image.Chunks)
            {
                switch (chunk.Type)
                {
                    case SparseChunkType.Raw:
                        for (long done = 0; done < chunk.PayloadLength;)
                        {
                            int part = (int)Math.Min(buffer.Length, chunk.PayloadLength - done);
                            try
                            {
                                await image.ReadPayloadAsync(chunk.PayloadOffset + done, buffer.AsMemory(0, part), useAsync, cancellationToken).ConfigureAwait(false);
                            }
                            catch (SparseTruncatedException e)
                            {
                                return Failure(e, image.Chunks.Count, image.RawLength, crcChunks, false, null);
                            }
                            crc.Append(buffer.AsSpan(0, part));
                            done += part;
                        }
                        break;
                    case SparseChunkType.Fill or SparseChunkType.DontCare:
                        AppendPattern(crc, buffer, chunk.Type == SparseChunkType.Fill ? chunk.FillValue : 0, chunk.OutputLength(blockSize));
                        break;
                    case SparseChunkType.Crc32:
                        uint actual = crc.GetCurrentHashAsUInt32();
                        if (actual != chunk.Crc32)
                        {
                            return Failure(SparseThrowHelper.ChecksumMismatch(chunk.Crc32, actual, chunk.Index, chunk.HeaderOffset), image.Chunks.Count, image.RawLength, crcChunks, false, null);
                        }
                        crcChunks++;
                        break;
                }
                expanded += chunk.OutputLength(blockSize);
                progress?.Report(expanded);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        uint whole = crc.GetCurrentHashAsUInt32();
        uint recorded = image.Header.ImageChecksum;
        if (recorded != 0 && recorded != whole)
        {
            return Failure(SparseThrowHelper.ChecksumMismatch(recorded, whole, null, 24), image.Chunks.Count, image.RawLength, crcChunks, false, whole);
        }
        return new SparseVerificationResult
        {
            IsValid = true,
            Chunks = image.Chunks.Count,
            RawLength = image.RawLength,
            CrcChunksChecked = crcChunks,
            ImageChecksumChecked = recorded != 0,
            ComputedCrc32 = whole,
        };
    }

    private static void AppendPattern(Crc32 crc, byte[] buffer, uint value, long length)
    {
        int patternLength = (int)Math.Min(buffer.Length, length);
        for (int i = 0; i < patternLength; i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(i), value);
        }
        while (length > 0)
        {
            int part = (int)Math.Min(length, patternLength);
            crc.Append(buffer.AsSpan(0, part));
            length -= part;
        }
    }

    private static SparseVerificationResult Failure(Exception problem, int chunks, long rawLength, int crcChunks, bool imageChecksumChecked, uint? computed) => new()
    {
        IsValid = false,
        Problem = problem.Message,
        ChunkIndex = SparseErrorInfo.GetChunkIndex(problem),
        ByteOffset = SparseErrorInfo.GetByteOffset(problem),
        Chunks = chunks,
        RawLength = rawLength,
        CrcChunksChecked = crcChunks,
        ImageChecksumChecked = imageChecksumChecked,
        ComputedCrc32 = computed,
    };
}
