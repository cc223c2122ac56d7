using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SparseVirt.Sparse;

/// <summary>
/// An Android sparse image opened for reading: its validated file header and chunk table (the chunk data stays in
/// the image until it is expanded). Open one with <see cref="Open(string, SparseExpandOptions?)"/> or
/// <see cref="Open(Stream, bool, SparseExpandOptions?)"/>; the stream must be seekable. Non-seekable sources are expanded
/// directly, without opening, by the streaming decoder.
/// </summary>
public sealed partial class SparseImage : IDisposable, IAsyncDisposable
{
    private const int InitialChunkCapacity = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _disposed;

    private SparseImage(Stream stream, bool leaveOpen, long origin, SparseHeader header, SparseChunk[] chunks, long endOffset, ILogger logger)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Origin = origin;
        Header = header;
        Chunks = chunks;
        SparseLength = endOffset;
        Logger = logger;
    }

    /// <summary>The validated file header.</summary>
    public SparseHeader Header { get; }

    /// <summary>The validated chunks, in image order, each with its output block range and payload location.</summary>
    public IReadOnlyList<SparseChunk> Chunks { get; }

    /// <summary>The length of the expanded (raw) image in bytes.</summary>
    public long RawLength => Header.RawLength;

    /// <summary>The number of bytes the sparse image occupies, from its header to the end of its last chunk.</summary>
    public long SparseLength { get; }

    /// <summary>The stream's position where the image starts (offsets in <see cref="Chunks"/> are relative to it).</summary>
    internal long Origin { get; }

    internal Stream BaseStream
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _stream;
        }
    }

    internal ILogger Logger { get; }

    /// <summary>Opens the sparse image at <paramref name="path"/> and reads and validates its chunk table.</summary>
    /// <param name="path">The sparse image file.</param>
    /// <param name="options">Where diagnostics go (<see cref="SparseExpandOptions.Logger"/>); the defaults when null.</param>
    /// <exception cref="InvalidDataException">The image breaks the format (the message says where).</exception>
    /// <exception cref="SparseTruncatedException">The image ends before its headers say it should.</exception>
    public static SparseImage Open(string path, SparseExpandOptions? options = null)
    {
        FileStream stream = OpenFile(path);
        try
        {
            return Open(stream, leaveOpen: false, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads and validates the chunk table of the sparse image starting at <paramref name="stream"/>'s position.</summary>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the image is disposed.</param>
    /// <param name="options">Where diagnostics go (<see cref="SparseExpandOptions.Logger"/>); the defaults when null.</param>
    /// <exception cref="NotSupportedException">The stream cannot seek (expand it with the streaming decoder instead).</exception>
    public static SparseImage Open(Stream stream, bool leaveOpen = false, SparseExpandOptions? options = null) =>
        SyncPath.Complete(OpenCoreAsync(stream, leaveOpen, options?.Logger, async: false, CancellationToken.None));

    /// <summary>Opens the sparse image at <paramref name="path"/> and reads and validates its chunk table asynchronously.</summary>
    public static async Task<SparseImage> OpenAsync(string path, SparseExpandOptions? options = null, CancellationToken cancellationToken = default)
    {
        FileStream stream = OpenFile(path, async: true);
        try
        {
            return await OpenCoreAsync(stream, leaveOpen: false, options?.Logger, async: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads and validates the chunk table of the sparse image at <paramref name="stream"/>'s position asynchronously.</summary>
    public static Task<SparseImage> OpenAsync(Stream stream, bool leaveOpen = false, SparseExpandOptions? options = null, CancellationToken cancellationToken = default) =>
        OpenCoreAsync(stream, leaveOpen, options?.Logger, async: true, cancellationToken).AsTask();

    /// <summary>True when the file at <paramref name="path"/> starts with the sparse image magic number.</summary>
    public static bool IsSparseImage(string path)
    {
        using FileStream stream = OpenFile(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) == magic.Length && SparseHeader.HasMagic(magic);
    }

    /// <summary>
    /// True when <paramref name="stream"/> continues with the sparse image magic number. A seekable stream's position
    /// is restored; a non-seekable stream loses the four bytes read.
    /// </summary>
    public static bool IsSparseImage(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long position = stream.CanSeek ? stream.Position : 0;
        Span<byte> magic = stackalloc byte[4];
        int read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (stream.CanSeek)
        {
            stream.Position = position;
        }
        return read == magic.Length && SparseHeader.HasMagic(magic);
    }

    /// <summary>True when <paramref name="data"/> starts with the sparse image magic number.</summary>
    public static bool IsSparseImage(ReadOnlySpan<byte> data) => SparseHeader.HasMagic(data);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static FileStream OpenFile(string path, bool async = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = async ? FileOptions.Asynchronous | FileOptions.SequentialScan : FileOptions.SequentialScan,
            BufferSize = 0,
        });
    }

    private static async ValueTask<SparseImage> OpenCoreAsync(Stream stream, bool leaveOpen, ILogger? logger, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }
        if (!stream.CanSeek)
        {
            throw new NotSupportedException(
                "SparseImage.Open needs a seekable stream to read the chunk table; expand a non-seekable source with SparseImage.ToRawAsync(SparseSource, ...) or SparsePipeDecoder instead.");
        }

        logger ??= NullLogger.Instance;
        long origin = stream.Position;
        long available = stream.Length - origin;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(DiskImageFormatSniffer.BytesWanted, ushort.MaxValue + SparseFormat.FillOrCrcPayloadSize));
        try
        {
            SparseHeader header = await ReadFileHeaderAsync(stream, origin, available, buffer, async, cancellationToken).ConfigureAwait(false);
            (SparseChunk[] chunks, long end) = await ReadChunkTableAsync(stream, origin, available, header, buffer, async, cancellationToken).ConfigureAwait(false);
            SparseLog.Opened(logger, header.TotalChunks, header.TotalBlocks, header.BlockSize, header.RawLength);
            if (end < available)
            {
                SparseLog.TrailingBytes(logger, available - end, end);
            }
            return new SparseImage(stream, leaveOpen, origin, header, chunks, end, logger);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads and checks the file header, and that the input can hold the chunk headers it declares.</summary>
    private static async ValueTask<SparseHeader> ReadFileHeaderAsync(Stream stream, long origin, long available, byte[] buffer, bool async, CancellationToken cancellationToken)
    {
        int headerRead = await ReadAtAsync(stream, origin, buffer.AsMemory(0, DiskImageFormatSniffer.BytesWanted), async, cancellationToken).ConfigureAwait(false);
        if (headerRead < 4)
        {
            // Too short to hold a magic number at all: that is truncation, not a wrong magic.
            SparseThrowHelper.ThrowHeaderTruncated(headerRead);
        }
        if (!SparseHeader.HasMagic(buffer))
        {
            SparseThrowHelper.ThrowBadMagic(SparseThrowHelper.ReadMagicOrZero(buffer.AsSpan(0, headerRead)), buffer.AsSpan(0, headerRead));
        }
        if (headerRead < SparseFormat.FileHeaderSize)
        {
            SparseThrowHelper.ThrowHeaderTruncated(headerRead);
        }

        SparseHeader header = SparseHeader.Read(buffer);
        long offset = header.FileHeaderSize;
        if (offset > available)
        {
            SparseThrowHelper.ThrowTruncated($"the input ends at byte {available}, inside the {header.FileHeaderSize}-byte file header", null, available);
        }

        // The chunk count is untrusted: size the table by what the input can actually hold.
        long chunksThatFit = (available - offset) / header.ChunkHeaderSize;
        if (header.TotalChunks > chunksThatFit)
        {
            SparseThrowHelper.ThrowTruncated(
                $"the file header declares {header.TotalChunks} chunks, which need at least {(long)header.TotalChunks * header.ChunkHeaderSize} bytes of chunk headers, but only {available - offset} bytes follow it",
                null,
                available);
        }
        return header;
    }

    /// <summary>Reads and validates every chunk header (with its FILL or CRC32 value); returns the table and the offset just past the last chunk.</summary>
    private static async ValueTask<(SparseChunk[] Chunks, long End)> ReadChunkTableAsync(
        Stream stream, long origin, long available, SparseHeader header, byte[] buffer, bool async, CancellationToken cancellationToken)
    {
        // Even a count the input could hold is untrusted (a RAW payload can stand where chunk headers are declared):
        // the table grows with the chunks actually read.
        var chunks = new SparseChunk[Math.Min(header.TotalChunks, InitialChunkCapacity)];
        var validator = new SparseChunkCursor(header);
        int headerBytes = header.ChunkHeaderSize;
        long offset = header.FileHeaderSize;
        for (int i = 0; i < header.TotalChunks; i++)
        {
            if (i == chunks.Length)
            {
                Array.Resize(ref chunks, (int)Math.Min(Math.Min((long)chunks.Length * 2, header.TotalChunks), Array.MaxLength));
            }
            int wanted = (int)Math.Min(headerBytes + SparseFormat.FillOrCrcPayloadSize, available - offset);
            int read = await ReadAtAsync(stream, origin + offset, buffer.AsMemory(0, wanted), async, cancellationToken).ConfigureAwait(false);
            if (read < headerBytes)
            {
                SparseThrowHelper.ThrowTruncated($"the input ends inside the chunk header ({read} of {headerBytes} bytes)", i, offset + read);
            }

            SparseChunk chunk = validator.Accept(SparseChunkHeader.Read(buffer), offset);
            long end = chunk.PayloadOffset + chunk.PayloadLength;
            if (end > available)
            {
                SparseThrowHelper.ThrowTruncated(
                    $"{SparseChunkCursor.TypeName(chunk.Type)} chunk's {chunk.PayloadLength} payload bytes run to byte {end} but the input ends at byte {available}",
                    i,
                    available);
            }
            if (chunk.Type is SparseChunkType.Fill or SparseChunkType.Crc32)
            {
                chunk = chunk with { Value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(headerBytes)) };
            }
            chunks[i] = chunk;
            offset = end;
        }
        validator.Complete(offset);
        return (chunks, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static async ValueTask<int> ReadAtAsync(Stream stream, long position, Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        stream.Position = position;
        return async
            ? await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
            : stream.ReadAtLeast(destination.Span, destination.Length, throwOnEndOfStream: false);
    }
}
