using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>
/// The chunks of opened (seekable) images, read from their validated chunk tables, piece after piece. The RAW
/// mover, chosen once per expansion: a copy inside the kernel (<see cref="KernelFileCopy"/>, copy_file_range or
/// splice) when both ends are files and no checksum needs the bytes, else positional reads into one pooled buffer.
/// A kernel copy that comes up short is not tried again: the rest of the expansion reads through the buffer.
/// </summary>
internal sealed class ImageChunkSource : ChunkSource
{
    private readonly List<SparseImage> _pieces = [];
    private readonly IReadOnlyList<string> _names;
    private readonly Stream? _stream;
    private readonly bool _ownsPieces;
    private readonly ILogger _logger;
    private KernelFileCopy? _kernelCopy;
    private string _destination = "";
    private byte[]? _buffer;
    private int _piece = -1;
    private int _chunk;

    private ImageChunkSource(IEnumerable<SparseImage> pieces, IReadOnlyList<string> names, Stream? stream, ILogger logger)
    {
        _pieces.AddRange(pieces);
        _names = names;
        _stream = stream;
        _ownsPieces = _pieces.Count == 0;
        _logger = logger;
    }

    /// <summary>The chunks of an image already open (which stays open).</summary>
    public static ImageChunkSource Of(SparseImage image) => new([image], [], null, image.Logger);

    /// <summary>The chunks of the images at <paramref name="paths"/>, overlaid in order, opened by <see cref="OpenAsync"/>.</summary>
    public static ImageChunkSource OfPaths(IReadOnlyList<string> paths, ILogger logger) => new([], paths, null, logger);

    /// <summary>The chunks of the image in the seekable <paramref name="stream"/> (left open), opened by <see cref="OpenAsync"/>.</summary>
    public static ImageChunkSource OfStream(Stream stream, ILogger logger) => new([], [], stream, logger);

    public override long TotalRawLength => _pieces.Sum(piece => piece.RawLength);

    public override string? CurrentName => _piece >= 0 && _piece < _names.Count ? _names[_piece] : null;

    /// <summary>Opens and validates every piece before anything is written; an error names the piece's path (<see cref="CurrentName"/>).</summary>
    public override async ValueTask OpenAsync(SparseExpandOptions? options, bool async, CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            _pieces.Add(async
                ? await SparseImage.OpenAsync(_stream, leaveOpen: true, options, cancellationToken).ConfigureAwait(false)
                : SparseImage.Open(_stream, leaveOpen: true, options));
        }
        for (_piece = 0; _piece < _names.Count; _piece++)
        {
            string path = _names[_piece];
            _pieces.Add(async ? await SparseImage.OpenAsync(path, options, cancellationToken).ConfigureAwait(false) : SparseImage.Open(path, options));
        }
        _piece = -1;
    }

    protected override void Start(ChunkApplier applier)
    {
        _destination = applier.Destination.Description;
        if (applier.KernelCopyTarget is SafeFileHandle target)
        {
            _kernelCopy = new KernelFileCopy(target);
        }
    }

    protected override ValueTask<bool> NextPieceAsync(bool async, CancellationToken cancellationToken)
    {
        if (++_piece >= _pieces.Count)
        {
            _piece = _pieces.Count - 1;
            return ValueTask.FromResult(false);
        }
        SparseImage piece = _pieces[_piece];
        Header = piece.Header;
        _chunk = 0;
        SparseLog.ExpandingPiece(_logger, _piece + 1, _pieces.Count, piece.Chunks.Count, piece.RawLength, _destination);
        return ValueTask.FromResult(true);
    }

    protected override ValueTask<bool> NextChunkAsync(bool async, CancellationToken cancellationToken)
    {
        SparseChunk[] chunks = _pieces[_piece].ChunkArray;
        if (_chunk >= chunks.Length)
        {
            return ValueTask.FromResult(false);
        }
        Current = chunks[_chunk++];
        return ValueTask.FromResult(true);
    }

    protected override async ValueTask MoveRawAsync(SparseChunk chunk, ChunkApplier applier, bool async, CancellationToken cancellationToken)
    {
        SparseImage image = _pieces[_piece];
        long offset = chunk.OutputOffset(Header.BlockSize);
        long length = chunk.PayloadLength;
        long done = 0;
        if (_kernelCopy is not null && image.SourceFileHandle is SafeFileHandle source && length > 0)
        {
            done = await CopyInKernelAsync(source, image.Origin + chunk.PayloadOffset, offset, length, async, cancellationToken).ConfigureAwait(false);
            if (done < length)
            {
                _kernelCopy.Dispose();
                _kernelCopy = null;
                SparseLog.KernelCopyUnavailable(_logger);
            }
        }
        while (done < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _buffer ??= ArrayPool<byte>.Shared.Rent(PatternBuffers.Size);
            Memory<byte> memory = _buffer.AsMemory(0, (int)Math.Min(length - done, PatternBuffers.Size));
            await image.ReadPayloadExactlyAsync(chunk.PayloadOffset + done, memory, chunk.Index, async, cancellationToken).ConfigureAwait(false);
            await applier.WriteRawAsync(memory, offset + done, async, cancellationToken).ConfigureAwait(false);
            done += memory.Length;
        }
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        _kernelCopy?.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        if (_ownsPieces)
        {
            foreach (SparseImage piece in _pieces)
            {
                await piece.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // The copy blocks in system calls: an asynchronous expansion makes it off the caller's thread.
    private async ValueTask<long> CopyInKernelAsync(SafeFileHandle source, long sourceOffset, long offset, long length, bool async, CancellationToken cancellationToken)
    {
        KernelFileCopy copy = _kernelCopy!;
        return async
            ? await Task.Run(() => copy.CopyRange(source, sourceOffset, offset, length, cancellationToken), cancellationToken).ConfigureAwait(false)
            : copy.CopyRange(source, sourceOffset, offset, length, cancellationToken);
    }
}
