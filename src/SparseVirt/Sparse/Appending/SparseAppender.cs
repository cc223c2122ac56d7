using System.Runtime.CompilerServices;
using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Appends raw data to the end of a sparse image, or of a raw image (which becomes a sparse image), as AOSP
/// <c>append2simg</c> does. The data must be a whole number of blocks. The result replaces the image through a
/// temporary file renamed on success, so a failure leaves the image as it was.
/// </summary>
public static class SparseAppender
{
    private const int BufferBytes = 1024 * 1024;

    /// <summary>Appends the raw data at <paramref name="rawDataPath"/> to the image at <paramref name="imagePath"/>.</summary>
    /// <param name="imagePath">A sparse image, or a raw image (sparsed with <paramref name="options"/>; 4096-byte blocks by default, as append2simg).</param>
    /// <param name="rawDataPath">The raw data to append: a multiple of the image's block size.</param>
    /// <param name="options">How raw data is sparsed (a sparse image keeps its own block size) and where diagnostics go.</param>
    /// <param name="progress">Receives the number of raw bytes of the appended data processed so far.</param>
    /// <returns>The header of the image written.</returns>
    /// <exception cref="ArgumentException">The data is not a whole number of blocks, or a raw image is not (nothing is written).</exception>
    public static SparseHeader Append(string imagePath, string rawDataPath, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        AppendCoreAsync(imagePath, rawDataPath, options, progress, useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Append(string, string, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="imagePath">A sparse image, or a raw image (sparsed with <paramref name="options"/>; 4096-byte blocks by default, as append2simg).</param>
    /// <param name="rawDataPath">The raw data to append: a multiple of the image's block size.</param>
    /// <param name="options">How raw data is sparsed (a sparse image keeps its own block size) and where diagnostics go.</param>
    /// <param name="progress">Receives the number of raw bytes of the appended data processed so far.</param>
    /// <param name="cancellationToken">Stops the append; the image is then left as it was.</param>
    public static Task<SparseHeader> AppendAsync(string imagePath, string rawDataPath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        AppendCoreAsync(imagePath, rawDataPath, options, progress, useAsync: true, cancellationToken).AsTask();

    private static async ValueTask<SparseHeader> AppendCoreAsync(string imagePath, string rawDataPath, SparseWriterOptions? options, IProgress<long>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        ArgumentException.ThrowIfNullOrEmpty(rawDataPath);
        options ??= SparseWriterOptions.Default;
        ILogger logger = options.Logger ?? NullLogger.Instance;

        SparseImage? sparse = SparseImage.IsSparseImage(imagePath) ? SparseImage.Open(imagePath, SparseExpandOptions.Default.WithLogger(logger)) : null;
        try
        {
            if (sparse is not null)
            {
                options = options.WithBlockSize((int)sparse.Header.BlockSize);
            }
            options.Validate();
            int blockSize = options.BlockSize;

            using SafeFileHandle data = File.OpenHandle(rawDataPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            long dataLength = RandomAccess.GetLength(data);
            if (dataLength % blockSize != 0)
            {
                throw new ArgumentException(
                    $"The data to append ('{rawDataPath}', {dataLength} bytes) is not a multiple of the image's {blockSize}-byte block size.");
            }

            using SafeFileHandle? rawImage = sparse is null ? File.OpenHandle(imagePath, FileMode.Open, FileAccess.Read, FileShare.Read) : null;
            long rawImageLength = rawImage is null ? 0 : RandomAccess.GetLength(rawImage);
            if (rawImage is not null && rawImageLength % blockSize != 0)
            {
                throw new ArgumentException(
                    $"The raw image '{imagePath}' ({rawImageLength} bytes) is not a multiple of the {blockSize}-byte block size, so data cannot be appended at a block boundary.");
            }

            long startBlock = sparse?.Header.TotalBlocks ?? rawImageLength / blockSize;
            SparseWriterLog.Appending(logger, dataLength, startBlock, sparse is null ? "raw" : "sparse");

            AtomicFileOutput atomic = AtomicFileOutput.Create(imagePath);
            await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
            var output = new FileSparseOutput(atomic.Handle);
            SparseChunkWriter writer = await SparseChunkWriter.StartAsync(output, options, useAsync, cancellationToken).ConfigureAwait(false);
            if (sparse is not null)
            {
                await CopyChunksAsync(sparse, writer, useAsync, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await SparseConverter.AddRawAsync(new FileRawSource(rawImage!, 0, rawImageLength, blockSize), writer, null, useAsync, cancellationToken).ConfigureAwait(false);
            }
            await SparseConverter.AddRawAsync(new FileRawSource(data, 0, dataLength, blockSize), writer, progress, useAsync, cancellationToken).ConfigureAwait(false);
            SparseHeader header = await writer.FinishAsync().ConfigureAwait(false);

            // The image being replaced is still open for reading: close it before the rename.
            sparse?.Dispose();
            sparse = null;
            if (useAsync)
            {
                await atomic.CommitAsync().ConfigureAwait(false);
            }
            else
            {
                atomic.Commit();
            }
            return header;
        }
        finally
        {
            sparse?.Dispose();
        }
    }

    /// <summary>Re-emits every chunk of <paramref name="image"/> (CRC32 chunks are dropped: the writer adds a fresh one if asked).</summary>
    private static async ValueTask CopyChunksAsync(SparseImage image, SparseChunkWriter writer, bool useAsync, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        int bufferLength = BufferBytes - (BufferBytes % (int)writer.BlockSize);
        if (bufferLength == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent((int)writer.BlockSize);
            bufferLength = (int)writer.BlockSize;
        }
        try
        {
            foreach (SparseChunk chunk in image.Chunks)
            {
                switch (chunk.Type)
                {
                    case SparseChunkType.Raw:
                        for (long done = 0; done < chunk.PayloadLength;)
                        {
                            int part = (int)Math.Min(bufferLength, chunk.PayloadLength - done);
                            await image.ReadPayloadExactlyAsync(chunk.PayloadOffset + done, buffer.AsMemory(0, part), chunk.Index, useAsync, cancellationToken).ConfigureAwait(false);
                            await writer.AddRawAsync(buffer.AsMemory(0, part)).ConfigureAwait(false);
                            done += part;
                        }
                        break;
                    case SparseChunkType.Fill:
                        await writer.AddExplicitFillAsync(chunk.FillValue, chunk.BlockCount).ConfigureAwait(false);
                        break;
                    case SparseChunkType.DontCare:
                        await writer.AddDontCareAsync(chunk.BlockCount).ConfigureAwait(false);
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
