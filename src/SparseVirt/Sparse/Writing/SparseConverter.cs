using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Turns raw images into Android sparse images (what AOSP <c>img2simg</c> does): blocks whose 32-bit words are all
/// equal become FILL chunks, blocks of zeros become DONT_CARE (or FILL 0, see <see cref="SparseWriterOptions.ZeroFill"/>),
/// holes of a sparse source file are skipped without being read, and everything else becomes RAW chunks of at most
/// <see cref="SparseWriterOptions.MaxChunkBytes"/>. Memory use is a fixed buffer, whatever the image's size.
/// </summary>
public static class SparseConverter
{
    private const int BufferBytes = 1024 * 1024;

    /// <summary>Sparses the raw image at <paramref name="rawPath"/> into <paramref name="sparsePath"/> (written under a temporary name, renamed on success).</summary>
    /// <param name="rawPath">The raw image.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <returns>The file header of the image written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public static SparseHeader Convert(string rawPath, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        ConvertPathCoreAsync(rawPath, sparsePath, options, progress, options?.Logger, useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Convert(string, string, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="rawPath">The raw image.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion; the destination is then left untouched.</param>
    public static Task<SparseHeader> ConvertAsync(string rawPath, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        // File to file, the work is reads from the page cache and copies between files, which block on Linux whatever
        // the API: run the blocking core on a pool thread rather than making every positional read a pool work item
        // of its own (each wakes and spins pool threads, a tenth of the conversion's time on 2 cores). The token is
        // still checked between pieces.
        Task.Run(() => ConvertPathCoreAsync(rawPath, sparsePath, options, progress, options?.Logger, useAsync: false, cancellationToken).AsTask(), cancellationToken);

    /// <summary>
    /// Sparses the raw data read from <paramref name="raw"/> (from its position to its end) into
    /// <paramref name="sparse"/> (from its position). A file stream's holes are skipped unread. A destination that
    /// cannot seek gets the image built in a temporary file first, since the file header, which comes first, counts
    /// the chunks.
    /// </summary>
    /// <param name="raw">The raw data; seekable or not.</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <returns>The file header of the image written.</returns>
    public static SparseHeader Convert(Stream raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        ConvertStreamCoreAsync(raw, sparse, options, progress, options?.Logger, useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Convert(Stream, Stream, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="raw">The raw data; seekable or not.</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion.</param>
    public static Task<SparseHeader> ConvertAsync(Stream raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        ConvertStreamCoreAsync(raw, sparse, options, progress, options?.Logger, useAsync: true, cancellationToken).AsTask();

    /// <summary>
    /// Sparses the raw data read from <paramref name="raw"/> (seekable or not, e.g. standard input) into the file
    /// <paramref name="sparsePath"/>, written under a temporary name and renamed on success.
    /// </summary>
    /// <param name="raw">The raw data, read from its position to its end.</param>
    /// <param name="sparsePath">Where the sparse image goes; replaced if it exists.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion; the destination is then left untouched.</param>
    /// <returns>The file header of the image written.</returns>
    public static async Task<SparseHeader> ConvertAsync(Stream raw, string sparsePath, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sparsePath);
        (options ?? SparseWriterOptions.Default).Validate();
        AtomicFileOutput atomic = AtomicFileOutput.Create(sparsePath, asynchronous: true);
        await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
        SparseHeader header = await ConvertStreamCoreAsync(raw, atomic.Stream, options, progress, options?.Logger, useAsync: true, cancellationToken).ConfigureAwait(false);
        await atomic.CommitAsync(options?.Durable ?? false).ConfigureAwait(false);
        return header;
    }

    /// <summary>Sparses the raw data a <see cref="PipeReader"/> delivers (a pipe, a socket, a download) into <paramref name="sparse"/>.</summary>
    /// <param name="raw">The raw data; read to its end (not completed by this method).</param>
    /// <param name="sparse">Where the sparse image is written; seekable or not. Left open.</param>
    /// <param name="options">Block size, zero handling, checksums, logger; <see cref="SparseWriterOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of raw bytes processed so far.</param>
    /// <param name="cancellationToken">Stops the conversion.</param>
    /// <returns>The file header of the image written.</returns>
    public static async Task<SparseHeader> ConvertAsync(PipeReader raw, Stream sparse, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(raw);
        Stream rawStream = raw.AsStream(leaveOpen: true);
        await using ConfiguredAsyncDisposable rawStreamScope = rawStream.ConfigureAwait(false);
        return await ConvertStreamCoreAsync(rawStream, sparse, options, progress, options?.Logger, useAsync: true, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<SparseHeader> ConvertPathCoreAsync(string rawPath, string sparsePath, SparseWriterOptions? options, IProgress<long>? progress, ILogger? logger, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(rawPath);
        ArgumentException.ThrowIfNullOrEmpty(sparsePath);
        options ??= SparseWriterOptions.Default;
        options.Validate();

        using SafeFileHandle input = File.OpenHandle(rawPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(input);
        var source = new FileRawSource(input, 0, length, options.BlockSize);
        AtomicFileOutput atomic = AtomicFileOutput.Create(sparsePath);
        await using ConfiguredAsyncDisposable atomicScope = atomic.ConfigureAwait(false);
        var output = new FileSparseOutput(atomic.Handle);
        SparseHeader header = await WriteImageAsync(source, length, output, options, progress, options?.Logger, useAsync, cancellationToken).ConfigureAwait(false);
        if (useAsync)
        {
            await atomic.CommitAsync(options?.Durable ?? false).ConfigureAwait(false);
        }
        else
        {
            atomic.Commit(options?.Durable ?? false);
        }
        return header;
    }

    private static async ValueTask<SparseHeader> ConvertStreamCoreAsync(Stream raw, Stream sparse, SparseWriterOptions? options, IProgress<long>? progress, ILogger? logger, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(sparse);
        if (!raw.CanRead)
        {
            throw new ArgumentException("The raw data stream must be readable.", nameof(raw));
        }
        if (!sparse.CanWrite)
        {
            throw new ArgumentException("The sparse image stream must be writable.", nameof(sparse));
        }
        options ??= SparseWriterOptions.Default;
        options.Validate();

        RawSource source;
        long? length = null;
        long rawEnd = 0;
        if (raw is FileStream { CanSeek: true } file)
        {
            long start = file.Position;
            rawEnd = file.Length;
            length = rawEnd - start;
            source = new FileRawSource(file.SafeFileHandle, start, length.Value, options.BlockSize);
        }
        else
        {
            length = raw.CanSeek ? raw.Length - raw.Position : null;
            source = new StreamRawSource(raw);
        }

        SparseHeader header = await WriteToStreamAsync(
            (output, ct) => WriteImageAsync(source, length, output, options, progress, options?.Logger, useAsync, ct),
            sparse,
            logger,
            useAsync,
            cancellationToken).ConfigureAwait(false);
        if (source is FileRawSource)
        {
            raw.Position = rawEnd;
        }
        return header;
    }

    /// <summary>
    /// Runs <paramref name="write"/> on <paramref name="destination"/>: directly when it can seek, otherwise through a
    /// temporary file that is then copied to it.
    /// </summary>
    internal static async ValueTask<SparseHeader> WriteToStreamAsync(
        Func<SparseOutput, CancellationToken, ValueTask<SparseHeader>> write,
        Stream destination,
        ILogger? logger,
        bool useAsync,
        CancellationToken cancellationToken)
    {
        if (destination.CanSeek)
        {
            var output = new StreamSparseOutput(destination);
            SparseHeader header = await write(output, cancellationToken).ConfigureAwait(false);
            output.SeekToEnd(output.Position);
            return header;
        }

        string temporaryPath = Path.Combine(Path.GetTempPath(), $"sparsevirt-{Guid.NewGuid():N}.simg.tmp");
        SparseWriterLog.Spooling(logger ?? NullLogger.Instance, temporaryPath);
        var spool = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None,
            BufferSize = 0,
        });
        await using ConfiguredAsyncDisposable spoolScope = spool.ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            // Unlinked at once: the handle keeps the space, and a process killed even by SIGKILL leaves no spool behind.
            File.Delete(temporaryPath);
        }
        var spoolOutput = new FileSparseOutput(spool.SafeFileHandle);
        SparseHeader written = await write(spoolOutput, cancellationToken).ConfigureAwait(false);
        spool.Position = 0;
        if (useAsync)
        {
            await spool.CopyToAsync(destination, BufferBytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            spool.CopyTo(destination, BufferBytes);
        }
        return written;
    }

    /// <summary>Writes a whole image from <paramref name="source"/>.</summary>
    private static async ValueTask<SparseHeader> WriteImageAsync(RawSource source, long? length, SparseOutput output, SparseWriterOptions options, IProgress<long>? progress, ILogger? logger, bool useAsync, CancellationToken cancellationToken)
    {
        logger ??= NullLogger.Instance;
        SparseWriterLog.Converting(logger, length ?? -1, options.BlockSize, options.ZeroFill ? "FILL 0" : "DONT_CARE", options.IncludeCrc);
        SparseChunkWriter writer = await SparseChunkWriter.StartAsync(output, options, useAsync, cancellationToken).ConfigureAwait(false);
        long holeBytes = await AddRawAsync(source, writer, progress, useAsync, cancellationToken).ConfigureAwait(false);
        SparseHeader header = await writer.FinishAsync().ConfigureAwait(false);
        SparseWriterLog.Converted(logger, header.TotalChunks, header.TotalBlocks, output.Position, holeBytes);
        return header;
    }

    /// <summary>
    /// Classifies everything <paramref name="source"/> holds and adds it to <paramref name="writer"/>; a final
    /// partial block is padded with zeros.
    /// </summary>
    /// <returns>The bytes of holes skipped without reading.</returns>
    internal static async ValueTask<long> AddRawAsync(RawSource source, SparseChunkWriter writer, IProgress<long>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        int blockSize = (int)writer.BlockSize;
        int bufferLength = Math.Max(blockSize, BufferBytes - (BufferBytes % blockSize));
        byte[] current = ArrayPool<byte>.Shared.Rent(bufferLength);
        byte[] spare = ArrayPool<byte>.Shared.Rent(bufferLength);
        long done = 0;
        long holes = 0;

        // The next piece is read while the current one is classified and written: reading and writing overlap.
        Task<RawPiece> pending = ReadAheadAsync(source, current, bufferLength, useAsync, cancellationToken);
        try
        {
            while (true)
            {
                RawPiece piece = await pending.ConfigureAwait(false);
                if (piece.Length == 0)
                {
                    break;
                }
                pending = ReadAheadAsync(source, spare, bufferLength, useAsync, cancellationToken);
                if (piece.IsHole)
                {
                    await writer.AddZerosAsync((piece.Length + blockSize - 1) / blockSize).ConfigureAwait(false);
                    holes += piece.Length;
                }
                else
                {
                    int length = (int)piece.Length;
                    int padded = length % blockSize == 0 ? length : length + (blockSize - (length % blockSize));
                    current.AsSpan(length, padded - length).Clear();
                    // A padded last block is written from the buffer: the file has no bytes for its padding.
                    SafeFileHandle? file = padded == length && piece.FileOffset >= 0 ? source.File : null;
                    await AddBlocksAsync(current.AsMemory(0, padded), writer, file, piece.FileOffset).ConfigureAwait(false);
                }
                done += piece.Length;
                progress?.Report(done);
                (current, spare) = (spare, current);
            }
        }
        finally
        {
            // A read still running owns a buffer: let it end before the buffers go back to the pool.
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception) when (!pending.IsCompletedSuccessfully)
            {
                // Its failure is not the one being reported (or the loop already observed it).
            }
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(spare);
        }
        return holes;
    }

    private static Task<RawPiece> ReadAheadAsync(RawSource source, byte[] buffer, int length, bool useAsync, CancellationToken cancellationToken) =>
        Task.Run(() => source.ReadAsync(buffer.AsMemory(0, length), useAsync, cancellationToken).AsTask(), cancellationToken);

    /// <summary>Adds whole blocks to <paramref name="writer"/>, classified into runs of one fill value or of data.</summary>
    /// <param name="blocks">Whole blocks.</param>
    /// <param name="writer">Where they go.</param>
    /// <param name="file">A file holding the same bytes at <paramref name="fileOffset"/>, for copying data runs in the kernel; null when there is none.</param>
    /// <param name="fileOffset">Where <paramref name="blocks"/> start in <paramref name="file"/>.</param>
    internal static async ValueTask AddBlocksAsync(ReadOnlyMemory<byte> blocks, SparseChunkWriter writer, SafeFileHandle? file = null, long fileOffset = -1)
    {
        int blockSize = (int)writer.BlockSize;
        int offset = 0;
        while (offset < blocks.Length)
        {
            (bool isFill, uint value, int count) = NextRun(blocks.Span[offset..], blockSize);
            int bytes = count * blockSize;
            if (isFill)
            {
                await writer.AddFillAsync(value, count).ConfigureAwait(false);
            }
            else
            {
                await writer.AddRawAsync(blocks.Slice(offset, bytes), file, file is null ? -1 : fileOffset + offset).ConfigureAwait(false);
            }
            offset += bytes;
        }
    }

    private static (bool IsFill, uint Value, int Count) NextRun(ReadOnlySpan<byte> blocks, int blockSize)
    {
        if (BlockClassifier.TryGetFillValue(blocks[..blockSize], out uint value))
        {
            return (true, value, 1 + BlockClassifier.CountFilledBlocks(blocks[blockSize..], blockSize, value));
        }
        return (false, 0, 1 + BlockClassifier.CountDataBlocks(blocks[blockSize..], blockSize, out _, out _));
    }
}
