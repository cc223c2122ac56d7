using Microsoft.Extensions.Logging;

namespace SparseVirt.Sparse;

/// <summary>
/// Checks a whole sparse image: its structure (header, every chunk header, block counts, truncation) and, when it
/// records any, its checksums: each CRC32 chunk against the CRC32 of everything expanded before it, and a non-zero
/// header image checksum against the CRC32 of the whole expanded image (DONT_CARE counted as zeros, as libsparse
/// counts it), through the expander's checksum verification. Bad input is reported in the result, not thrown.
/// </summary>
public static class SparseVerifier
{
    /// <summary>Verifies the sparse image at <paramref name="path"/>.</summary>
    /// <param name="path">The sparse image.</param>
    /// <param name="options">Where diagnostics go (checksums are always verified); the defaults when null.</param>
    /// <param name="progress">Receives how far the checksum pass has got.</param>
    /// <exception cref="FileNotFoundException">There is no such file (the other I/O errors propagate too).</exception>
    public static SparseVerificationResult Verify(string path, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return SyncPath.Complete(VerifyCoreAsync(path, null, options?.Logger, progress, async: false, CancellationToken.None));
    }

    /// <inheritdoc cref="Verify(string, SparseExpandOptions?, IProgress{SparseExpandProgress}?)"/>
    /// <param name="path">The sparse image.</param>
    /// <param name="options">Where diagnostics go (checksums are always verified); the defaults when null.</param>
    /// <param name="progress">Receives how far the checksum pass has got.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    public static Task<SparseVerificationResult> VerifyAsync(string path, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return VerifyCoreAsync(path, null, options?.Logger, progress, async: true, cancellationToken).AsTask();
    }

    /// <summary>Verifies the sparse image starting at <paramref name="stream"/>'s position (standard input spooled to a file, an image inside a container file).</summary>
    /// <param name="stream">A readable, seekable stream; left open.</param>
    /// <param name="options">Where diagnostics go (checksums are always verified); the defaults when null.</param>
    /// <param name="progress">Receives how far the checksum pass has got.</param>
    /// <exception cref="NotSupportedException">The stream cannot seek.</exception>
    public static SparseVerificationResult Verify(Stream stream, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return SyncPath.Complete(VerifyCoreAsync(null, stream, options?.Logger, progress, async: false, CancellationToken.None));
    }

    /// <inheritdoc cref="Verify(Stream, SparseExpandOptions?, IProgress{SparseExpandProgress}?)"/>
    /// <param name="stream">A readable, seekable stream; left open.</param>
    /// <param name="options">Where diagnostics go (checksums are always verified); the defaults when null.</param>
    /// <param name="progress">Receives how far the checksum pass has got.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    public static Task<SparseVerificationResult> VerifyAsync(Stream stream, SparseExpandOptions? options = null, IProgress<SparseExpandProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return VerifyCoreAsync(null, stream, options?.Logger, progress, async: true, cancellationToken).AsTask();
    }

    private static async ValueTask<SparseVerificationResult> VerifyCoreAsync(string? path, Stream? stream, ILogger? logger, IProgress<SparseExpandProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        SparseImage image;
        SparseExpandOptions openOptions = SparseExpandOptions.Default.WithLogger(logger);
        try
        {
            if (async)
            {
                image = path is not null
                    ? await SparseImage.OpenAsync(path, openOptions, cancellationToken).ConfigureAwait(false)
                    : await SparseImage.OpenAsync(stream!, leaveOpen: true, openOptions, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                image = path is not null ? SparseImage.Open(path, openOptions) : SparseImage.Open(stream!, leaveOpen: true, openOptions);
            }
        }
        catch (Exception e) when (e is InvalidDataException or SparseTruncatedException)
        {
            return Failure(e, 0, 0, 0, false);
        }

        using (image)
        {
            bool hasChecksums = image.Header.ImageChecksum != 0 || image.Chunks.Any(c => c.Type == SparseChunkType.Crc32);
            if (!hasChecksums)
            {
                return new SparseVerificationResult { IsValid = true, Chunks = image.Chunks.Count, RawLength = image.RawLength };
            }
            return await CheckChecksumsAsync(image, progress, logger, async, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<SparseVerificationResult> CheckChecksumsAsync(SparseImage image, IProgress<SparseExpandProgress>? progress, ILogger? logger, bool async, CancellationToken cancellationToken)
    {
        // The expander's checksum verification is the one implementation of the format's CRC semantics; the
        // expanded bytes themselves are not needed, so they go to Stream.Null (DONT_CARE is only seeked over there).
        SparseExpandOptions options = SparseExpandOptions.Default.WithVerifyChecksums().WithLogger(logger);
        int crcChunks = image.Chunks.Count(c => c.Type == SparseChunkType.Crc32);
        try
        {
            if (async)
            {
                await image.ToRawAsync(Stream.Null, options, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                image.ToRaw(Stream.Null, options, progress, cancellationToken);
            }
        }
        catch (Exception e) when (e is InvalidDataException or SparseTruncatedException)
        {
            int checkedBefore = SparseErrorInfo.GetChunkIndex(e) is int failed
                ? image.Chunks.Take(failed).Count(c => c.Type == SparseChunkType.Crc32)
                : crcChunks;
            return Failure(e, image.Chunks.Count, image.RawLength, checkedBefore, false);
        }
        return new SparseVerificationResult
        {
            IsValid = true,
            Chunks = image.Chunks.Count,
            RawLength = image.RawLength,
            CrcChunksChecked = crcChunks,
            ImageChecksumChecked = image.Header.ImageChecksum != 0,
        };
    }

    private static SparseVerificationResult Failure(Exception problem, int chunks, long rawLength, int crcChunks, bool imageChecksumChecked) => new()
    {
        IsValid = false,
        Problem = problem.Message,
        ChunkIndex = SparseErrorInfo.GetChunkIndex(problem),
        ByteOffset = SparseErrorInfo.GetByteOffset(problem),
        Chunks = chunks,
        RawLength = rawLength,
        CrcChunksChecked = crcChunks,
        ImageChecksumChecked = imageChecksumChecked,
    };
}
