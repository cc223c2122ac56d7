using System.Runtime.CompilerServices;
using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

/// <summary>
/// Appends raw data to the end of a sparse image, or of a raw image (which becomes a sparse image), as AOSP
/// <c>append2simg</c> does. The data must be a whole number of blocks. The result replaces the image through a
/// temporary file renamed on success, so a failure leaves the image as it was.
/// </summary>
public static class SparseAppender
{
    /// <summary>Appends the raw data at <paramref name="rawDataPath"/> to the image at <paramref name="imagePath"/>.</summary>
    /// <param name="imagePath">A sparse image, or a raw image (sparsed with <paramref name="options"/>; 4096-byte blocks by default, as append2simg).</param>
    /// <param name="rawDataPath">The raw data to append: a multiple of the image's block size.</param>
    /// <param name="options">How raw data is sparsed (a sparse image keeps its own block size) and where diagnostics go.</param>
    /// <param name="progress">Receives the number of raw bytes of the appended data processed so far.</param>
    /// <returns>The header of the image written.</returns>
    /// <exception cref="ArgumentException">The data is not a whole number of blocks, or a raw image is not (nothing is written).</exception>
    public static SparseHeader Append(string imagePath, string rawDataPath, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        SyncPath.Complete(AppendCoreAsync(imagePath, rawDataPath, options, progress, async: false, CancellationToken.None));

    /// <inheritdoc cref="Append(string, string, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="imagePath">A sparse image, or a raw image (sparsed with <paramref name="options"/>; 4096-byte blocks by default, as append2simg).</param>
    /// <param name="rawDataPath">The raw data to append: a multiple of the image's block size.</param>
    /// <param name="options">How raw data is sparsed (a sparse image keeps its own block size) and where diagnostics go.</param>
    /// <param name="progress">Receives the number of raw bytes of the appended data processed so far.</param>
    /// <param name="cancellationToken">Stops the append; the image is then left as it was.</param>
    public static Task<SparseHeader> AppendAsync(string imagePath, string rawDataPath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        AppendCoreAsync(imagePath, rawDataPath, options, progress, async: true, cancellationToken).AsTask();

    private static async ValueTask<SparseHeader> AppendCoreAsync(string imagePath, string rawDataPath, SparseWriterOptions? options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
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

            using SafeFileHandle data = OpenWholeBlocks(rawDataPath, blockSize, out long dataLength, length =>
                $"The data to append ('{rawDataPath}', {length} bytes) is not a multiple of the image's {blockSize}-byte block size.");
            long rawImageLength = 0;
            using SafeFileHandle? rawImage = sparse is not null ? null : OpenWholeBlocks(imagePath, blockSize, out rawImageLength, length =>
                $"The raw image '{imagePath}' ({length} bytes) is not a multiple of the {blockSize}-byte block size, so data cannot be appended at a block boundary.");
            long startBlock = sparse?.Header.TotalBlocks ?? rawImageLength / blockSize;
            SparseWriterLog.Appending(logger, dataLength, startBlock, sparse is null ? "raw" : "sparse");

            AtomicFileOutput atomic = AtomicFileOutput.Create(imagePath);
            await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
            RawSource? rawImageSource = rawImage is null ? null : new FileRawSource(rawImage, 0, rawImageLength, blockSize);
            using var output = new FileSparseOutput(atomic.Handle);
            SparseHeader header = await WriteAsync(output, sparse, rawImageSource, new FileRawSource(data, 0, dataLength, blockSize), options, progress, async, cancellationToken).ConfigureAwait(false);

            // The image being replaced is still open for reading: close it before the rename.
            sparse?.Dispose();
            sparse = null;
            if (async)
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

    /// <summary>Writes the image (its chunks re-emitted, or the raw image sparsed) followed by the appended data.</summary>
    private static async ValueTask<SparseHeader> WriteAsync(SparseOutput output, SparseImage? sparse, RawSource? rawImage, RawSource data, SparseWriterOptions options, IProgress<long>? progress, bool async, CancellationToken cancellationToken)
    {
        SparseChunkWriter writer = await SparseChunkWriter.StartAsync(output, options, async, cancellationToken).ConfigureAwait(false);
        if (sparse is not null)
        {
            await CopyChunksAsync(sparse, writer, async, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RawBlockFeeder.AddRawAsync(rawImage!, writer, null, async, cancellationToken).ConfigureAwait(false);
        }
        await RawBlockFeeder.AddRawAsync(data, writer, progress, async, cancellationToken).ConfigureAwait(false);
        return await writer.FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Opens a file that must be a whole number of blocks; <paramref name="notWhole"/> gives the message otherwise, from its length.</summary>
    private static SafeFileHandle OpenWholeBlocks(string path, int blockSize, out long length, Func<long, string> notWhole)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        length = RandomAccess.GetLength(handle);
        if (length % blockSize != 0)
        {
            handle.Dispose();
            throw new ArgumentException(notWhole(length));
        }
        return handle;
    }

    /// <summary>Re-emits every chunk of <paramref name="image"/> (CRC32 chunks are dropped: the writer adds a fresh one if asked).</summary>
    private static async ValueTask CopyChunksAsync(SparseImage image, SparseChunkWriter writer, bool async, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RawBlockFeeder.BufferBytes);
        int bufferLength = RawBlockFeeder.BufferBytes - (RawBlockFeeder.BufferBytes % (int)writer.BlockSize);
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
                            await image.ReadPayloadExactlyAsync(chunk.PayloadOffset + done, buffer.AsMemory(0, part), chunk.Index, async, cancellationToken).ConfigureAwait(false);
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
