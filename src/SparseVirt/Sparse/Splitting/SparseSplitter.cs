using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Splits a sparse image into pieces that each fit a size limit (fastboot's <c>max-download-size</c>), like AOSP
/// <c>simg2simg</c>: every piece is a complete sparse image covering the whole image with DONT_CARE around the
/// data it carries, so flashing the pieces in order (or expanding them over one another) gives the original image.
/// </summary>
public static class SparseSplitter
{
    private const int CopyBufferBytes = 1024 * 1024;
    private const int MaxParallelPieces = 4;

    // Pieces kept open and unnamed until all are written (a split into more is staged under hidden names).
    private const int MaxHeldPieces = 256;

    /// <summary>Plans the pieces of <paramref name="image"/> for a size limit, without writing anything.</summary>
    /// <param name="image">The opened sparse image.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> cannot hold even one chunk (the message gives the minimum).</exception>
    public static IReadOnlyList<SparsePiece> Plan(SparseImage image, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(image);
        return SparsePiecePlanner.Plan(image.Header, image.Chunks, maxBytes);
    }

    /// <summary>
    /// Splits the image at <paramref name="inputPath"/> into <c>PREFIX.0</c>, <c>PREFIX.1</c> ... (the
    /// <c>simg2simg</c> naming). A raw image is sparsed first (with <paramref name="options"/>). The pieces are
    /// written under temporary names and renamed together at the end; on failure none is left.
    /// </summary>
    /// <param name="inputPath">A sparse image, or a raw image to sparse on the way.</param>
    /// <param name="outputPrefix">The pieces' path without the <c>.N</c> suffix.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <param name="options">How a raw input is sparsed (ignored for sparse inputs), whether the pieces are made durable (<see cref="SparseWriterOptions.Durable"/>), and where diagnostics go.</param>
    /// <param name="progress">Receives the number of piece bytes written so far.</param>
    /// <returns>The paths of the pieces, in order.</returns>
    public static IReadOnlyList<string> Split(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options = null, IProgress<long>? progress = null) =>
        SplitCoreAsync(inputPath, outputPrefix, maxBytes, options, progress, useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Split(string, string, long, SparseWriterOptions?, IProgress{long}?)"/>
    /// <param name="inputPath">A sparse image, or a raw image to sparse on the way.</param>
    /// <param name="outputPrefix">The pieces' path without the <c>.N</c> suffix.</param>
    /// <param name="maxBytes">The most bytes a piece may have.</param>
    /// <param name="options">How a raw input is sparsed (ignored for sparse inputs), whether the pieces are made durable (<see cref="SparseWriterOptions.Durable"/>), and where diagnostics go.</param>
    /// <param name="progress">Receives the number of piece bytes written so far.</param>
    /// <param name="cancellationToken">Stops the split; no piece is left behind.</param>
    public static Task<IReadOnlyList<string>> SplitAsync(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        SplitCoreAsync(inputPath, outputPrefix, maxBytes, options, progress, useAsync: true, cancellationToken).AsTask();

    /// <summary>Writes one planned piece of <paramref name="image"/> to <paramref name="destination"/> (seekable or not).</summary>
    /// <param name="image">The image the piece was planned from.</param>
    /// <param name="piece">A piece from <see cref="Plan"/>.</param>
    /// <param name="destination">Where the piece goes, from its position. Left open.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public static async Task WritePieceAsync(SparseImage image, SparsePiece piece, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(destination);
        var output = new PieceStreamOutput(destination);
        await WritePieceCoreAsync(image, piece, output, null, useAsync: true, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<IReadOnlyList<string>> SplitCoreAsync(string inputPath, string outputPrefix, long maxBytes, SparseWriterOptions? options, IProgress<long>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ILogger logger = options?.Logger ?? NullLogger.Instance;
        SparseExpandOptions readOptions = SparseExpandOptions.Default.WithLogger(logger);

        if (SparseImage.IsSparseImage(inputPath))
        {
            using SparseImage image = SparseImage.Open(inputPath, readOptions);
            return await SplitImageAsync(image, outputPrefix, maxBytes, progress, logger, options?.Durable ?? false, useAsync, cancellationToken).ConfigureAwait(false);
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(outputPrefix)) ?? ".";
        string temporaryPath = Path.Combine(folder, $".{Path.GetFileName(outputPrefix)}.{Guid.NewGuid():N}.sparse.tmp");
        SparseWriterLog.SplittingRaw(logger, temporaryPath);
        // The intermediate image is an output never committed: unnamed where the file system allows (O_TMPFILE), so a
        // process killed even by SIGKILL leaves nothing, and removed on disposal otherwise.
        AtomicFileOutput staging = AtomicFileOutput.Create(temporaryPath, asynchronous: useAsync);
        await using ConfiguredAsyncDisposable stagingScope = staging.ConfigureAwait(false);
        var raw = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync ? FileOptions.Asynchronous | FileOptions.SequentialScan : FileOptions.SequentialScan);
        await using (raw.ConfigureAwait(false))
        {
            if (useAsync)
            {
                await SparseConverter.ConvertAsync(raw, staging.Stream, options, null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                SparseConverter.Convert(raw, staging.Stream, options, null);
            }
        }
        staging.Stream.Position = 0;
        using SparseImage staged = SparseImage.Open(staging.Stream, leaveOpen: true, readOptions);
        return await SplitImageAsync(staged, outputPrefix, maxBytes, progress, logger, options?.Durable ?? false, useAsync, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<IReadOnlyList<string>> SplitImageAsync(SparseImage image, string outputPrefix, long maxBytes, IProgress<long>? progress, ILogger logger, bool durable, bool useAsync, CancellationToken cancellationToken)
    {
        List<SparsePiece> pieces = SparsePiecePlanner.Plan(image.Header, image.Chunks, maxBytes);
        SparseWriterLog.Splitting(logger, image.Chunks.Count, maxBytes, pieces.Count);

        string[] destinations = new string[pieces.Count];
        for (int i = 0; i < destinations.Length; i++)
        {
            destinations[i] = Path.GetFullPath(PiecePath(outputPrefix, i));
            if (Directory.Exists(destinations[i]))
            {
                throw new IOException($"Cannot write piece '{destinations[i]}': it is a folder.");
            }
        }

        // Each piece holds a file descriptor only while it is written, then waits complete under a hidden staging
        // name: a small limit can mean more pieces than a process may have files open.
        string folder = Path.GetDirectoryName(destinations[0]) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write '{destinations[0]}': the folder '{folder}' does not exist.");
        }
        string stagingStem = Path.Combine(folder, $".{Path.GetFileName(outputPrefix)}.{Guid.NewGuid():N}");
        var staged = new string?[pieces.Count];
        // Up to this many pieces are kept open and unnamed (O_TMPFILE where the file system has it) until every one is
        // complete, so a process killed even by SIGKILL leaves nothing; more would risk the open-file limit, and are
        // staged under hidden names instead.
        bool hold = pieces.Count <= MaxHeldPieces;
        var held = new AtomicFileOutput?[hold ? pieces.Count : 0];
        try
        {
            // Pieces are independent files read from the image with positional reads: they are written in
            // parallel, which keeps several cores copying when the kernel copy is CPU-bound.
            long written = 0;
            var gate = new Lock();
            int parallelism = Math.Clamp(Environment.ProcessorCount, 1, MaxParallelPieces);
            async ValueTask WriteOneAsync(int index, bool asynchronous, CancellationToken token)
            {
                AtomicFileOutput atomic = AtomicFileOutput.Create(hold ? destinations[index] : stagingStem + "." + index.ToString(CultureInfo.InvariantCulture) + ".piece");
                if (hold)
                {
                    held[index] = atomic;
                }
                try
                {
                    var output = new FileSparseOutput(atomic.Handle);
                    await WritePieceCoreAsync(image, pieces[index], output, null, asynchronous, token).ConfigureAwait(false);
                    if (!hold)
                    {
                        await CommitAsync(atomic, durable, asynchronous).ConfigureAwait(false);
                        staged[index] = atomic.DestinationPath;
                    }
                }
                finally
                {
                    if (!hold)
                    {
                        await atomic.DisposeAsync().ConfigureAwait(false);
                    }
                }
                lock (gate)
                {
                    written += pieces[index].Length;
                    progress?.Report(written);
                }
            }

            if (useAsync)
            {
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, pieces.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                    (index, token) => WriteOneAsync(index, asynchronous: true, token)).ConfigureAwait(false);
            }
            else
            {
                Parallel.For(
                    0,
                    pieces.Count,
                    new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                    index => WriteOneAsync(index, asynchronous: false, cancellationToken).AsTask().GetAwaiter().GetResult());
            }

            // Named only once every piece is complete, so a failure leaves no partial set behind.
            for (int i = 0; i < pieces.Count; i++)
            {
                if (hold)
                {
                    await CommitAsync(held[i]!, durable, useAsync).ConfigureAwait(false);
                }
                else
                {
                    File.Move(staged[i]!, destinations[i], overwrite: true);
                    staged[i] = null;
                    if (durable)
                    {
                        FolderSync.OfFile(destinations[i]);
                    }
                }
            }
            return destinations;
        }
        finally
        {
            foreach (AtomicFileOutput? output in held)
            {
                if (output is not null)
                {
                    await output.DisposeAsync().ConfigureAwait(false);
                }
            }
            foreach (string? path in staged)
            {
                if (path is not null)
                {
                    File.Delete(path);
                }
            }
        }
    }

    private static async ValueTask CommitAsync(AtomicFileOutput output, bool durable, bool asynchronous)
    {
        if (asynchronous)
        {
            await output.CommitAsync(durable).ConfigureAwait(false);
        }
        else
        {
            output.Commit(durable);
        }
    }

    /// <summary>The path of piece <paramref name="index"/>: <c>PREFIX.N</c>.</summary>
    public static string PiecePath(string outputPrefix, int index) =>
        outputPrefix + "." + index.ToString(CultureInfo.InvariantCulture);

    private static async ValueTask WritePieceCoreAsync(SparseImage image, SparsePiece piece, SparseOutput output, IProgress<long>? progress, bool useAsync, CancellationToken cancellationToken)
    {
        SparseHeader header = image.Header;
        uint blockSize = header.BlockSize;
        byte[] small = new byte[SparseFormat.FileHeaderSize];
        SparseHeader.Create(blockSize, header.TotalBlocks, (uint)piece.ChunkCount).Write(small);
        await output.WriteSmallAsync(small, useAsync, cancellationToken).ConfigureAwait(false);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            long next = 0;
            foreach (SparsePieceSegment segment in piece.Segments)
            {
                await WriteDontCareAsync(output, small, segment.StartBlock - next, useAsync, cancellationToken).ConfigureAwait(false);
                SparseChunkType type = segment.SourceChunk.Type;
                long payload = segment.PayloadLength(blockSize);
                new SparseChunkHeader((ushort)type, 0, segment.BlockCount, checked((uint)(SparseFormat.ChunkHeaderSize + payload))).Write(small);
                if (type == SparseChunkType.Fill)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(small.AsSpan(SparseFormat.ChunkHeaderSize), segment.SourceChunk.FillValue);
                    await output.WriteSmallAsync(small.AsMemory(0, SparseFormat.ChunkHeaderSize + SparseFormat.FillOrCrcPayloadSize), useAsync, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await output.WriteSmallAsync(small.AsMemory(0, SparseFormat.ChunkHeaderSize), useAsync, cancellationToken).ConfigureAwait(false);
                    await CopyPayloadAsync(image, segment.SourcePayloadOffset(blockSize), payload, output, buffer, useAsync, cancellationToken).ConfigureAwait(false);
                }
                next = segment.StartBlock + segment.BlockCount;
            }
            await WriteDontCareAsync(output, small, header.TotalBlocks - next, useAsync, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(useAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask WriteDontCareAsync(SparseOutput output, byte[] scratch, long blocks, bool useAsync, CancellationToken cancellationToken)
    {
        if (blocks > 0)
        {
            new SparseChunkHeader((ushort)SparseChunkType.DontCare, 0, (uint)blocks, SparseFormat.ChunkHeaderSize).Write(scratch);
            await output.WriteSmallAsync(scratch.AsMemory(0, SparseFormat.ChunkHeaderSize), useAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask CopyPayloadAsync(SparseImage image, long offset, long length, SparseOutput output, byte[] buffer, bool useAsync, CancellationToken cancellationToken)
    {
        if (image.SourceFileHandle is { } source)
        {
            // RAW data moves file to file inside the kernel (copy_file_range) where it can; the rest goes through memory.
            long copied = await output.AppendFromFileAsync(source, image.Origin + offset, length, useAsync, cancellationToken).ConfigureAwait(false);
            offset += copied;
            length -= copied;
        }
        while (length > 0)
        {
            int part = (int)Math.Min(length, buffer.Length);
            Memory<byte> chunk = buffer.AsMemory(0, part);
            await image.ReadPayloadExactlyAsync(offset, chunk, null, useAsync, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(chunk, useAsync, cancellationToken).ConfigureAwait(false);
            offset += part;
            length -= part;
        }
    }

    /// <summary>A piece written into a caller's stream, which need not seek: pieces never patch what they wrote.</summary>
    private sealed class PieceStreamOutput(Stream stream) : SparseOutput
    {
        protected override async ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool useAsync, CancellationToken cancellationToken)
        {
            if (useAsync)
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                stream.Write(data.Span);
            }
        }
    }
}
