using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>
/// The expanded view of a sparse image, or of several pieces overlaid in order as <c>simg2img a b c</c> writes them,
/// as a block source: nothing is expanded. RAW chunks are read from the image when asked for, FILL chunks generated,
/// and DONT_CARE ranges and zero fills reported as holes; a read or an extent query costs a binary search of the
/// merged chunk map, built once when the source is made. RAW chunks of images opened from files are reported as runs of
/// those files (<see cref="GetFileRun"/>), so a writer can copy them in the kernel.
/// </summary>
/// <remarks>Safe to read from several threads at once. The image files are only ever opened for reading.</remarks>
public sealed partial class SparseBlockSource : IFileBackedBlockSource, IDisposable, IAsyncDisposable
{
    private readonly SparseImage[] _pieces;
    private readonly PieceReader[] _readers;
    private readonly Segment[] _segments;
    private readonly bool _ownsPieces;

    private SparseBlockSource(SparseImage[] pieces, bool ownsPieces)
    {
        _pieces = pieces;
        _ownsPieces = ownsPieces;
        _readers = [.. pieces.Select(piece => new PieceReader(piece))];
        Length = pieces[^1].RawLength;
        BlockSize = (int)Math.Min(pieces[^1].Header.BlockSize, int.MaxValue);
        _segments = SegmentMap.Build(pieces, Length);
    }

    /// <summary>The pieces, in overlay order (later pieces' defined chunks win).</summary>
    public IReadOnlyList<SparseImage> Pieces => _pieces;

    /// <inheritdoc/>
    public long Length { get; }

    /// <inheritdoc/>
    public int BlockSize { get; }


    /// <summary>
    /// Opens the sparse images at <paramref name="paths"/> (one image, or the pieces of a split image in order) and
    /// validates their chunk tables; the source owns and closes them.
    /// </summary>
    /// <exception cref="InvalidDataException">A piece breaks the format (the message starts with its path and says where).</exception>
    /// <exception cref="SparseTruncatedException">A piece ends before its headers say it should.</exception>
    public static SparseBlockSource Open(IEnumerable<string> paths, SparseExpandOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var pieces = new List<SparseImage>();
        try
        {
            foreach (string path in paths)
            {
                pieces.Add(OpenNamed(path, options));
            }
            if (pieces.Count == 0)
            {
                throw new ArgumentException("At least one sparse image is needed.", nameof(paths));
            }
            return new SparseBlockSource([.. pieces], ownsPieces: true);
        }
        catch
        {
            foreach (SparseImage piece in pieces)
            {
                piece.Dispose();
            }
            throw;
        }
    }

    /// <summary>Opens the sparse image at <paramref name="path"/>; see <see cref="Open(IEnumerable{string}, SparseExpandOptions?)"/>.</summary>
    public static SparseBlockSource Open(string path, SparseExpandOptions? options = null) => Open([path], options);

    /// <summary>
    /// Presents images the caller has opened (and keeps: they are not disposed with the source), overlaid in order.
    /// </summary>
    public static SparseBlockSource FromImages(IReadOnlyList<SparseImage> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (pieces.Count == 0)
        {
            throw new ArgumentException("At least one sparse image is needed.", nameof(pieces));
        }
        return new SparseBlockSource([.. pieces], ownsPieces: false);
    }

    private static SparseImage OpenNamed(string path, SparseExpandOptions? options)
    {
        try
        {
            return SparseImage.Open(path, options);
        }
        catch (Exception e) when (SparseThrowHelper.NameSource(e, path) is Exception named)
        {
            throw named;
        }
    }

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        int index = SegmentMap.IndexOf(_segments, offset);
        while (!destination.IsEmpty)
        {
            Segment segment = _segments[index++];
            int count = (int)Math.Min(destination.Length, segment.End - offset);
            Span<byte> part = destination[..count];
            if (segment.Kind == SegmentKind.Raw)
            {
                _readers[segment.Piece].Read(segment.SourceOffset + (offset - segment.Start), part);
            }
            else
            {
                Fill(part, offset, segment.FillValue);
            }
            destination = destination[count..];
            offset += count;
        }
    }

    /// <inheritdoc/>
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        BlockSourceRange.Check(offset, destination.Length, Length);
        int index = SegmentMap.IndexOf(_segments, offset);
        while (!destination.IsEmpty)
        {
            Segment segment = _segments[index++];
            int count = (int)Math.Min(destination.Length, segment.End - offset);
            Memory<byte> part = destination[..count];
            if (segment.Kind == SegmentKind.Raw)
            {
                await _readers[segment.Piece].ReadAsync(segment.SourceOffset + (offset - segment.Start), part, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Fill(part.Span, offset, segment.FillValue);
            }
            destination = destination[count..];
            offset += count;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<BlockExtent> GetExtents(long offset, long length)
    {
        return BlockSourceRange.Extents(offset, length, Length, Enumerate);
    }

    private IEnumerable<BlockExtent> Enumerate(long start, long end)
    {
        for (int index = SegmentMap.IndexOf(_segments, start); index < _segments.Length && _segments[index].Start < end; index++)
        {
            Segment segment = _segments[index];
            long from = Math.Max(segment.Start, start);
            long to = Math.Min(segment.End, end);
            yield return new BlockExtent(from, to - from, segment.ExtentKind);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A RAW chunk (or the part of one that the range covers) is a run of its image's file, when the image was opened
    /// from a file; a FILL chunk, a hole, or a chunk of an image read from another kind of stream is not.
    /// </remarks>
    public BlockFileRun GetFileRun(long offset, long length)
    {
        BlockSourceRange.CheckRun(offset, length, Length);
        Segment segment = _segments[SegmentMap.IndexOf(_segments, offset)];
        long count = Math.Min(length, segment.End - offset);
        return segment.Kind == SegmentKind.Raw && _readers[segment.Piece].Handle is { } file
            ? new BlockFileRun(count, file, segment.SourceOffset + (offset - segment.Start))
            : BlockFileRun.NotInFile(count);
    }

    /// <summary>Writes the 32-bit little-endian fill pattern, in phase with the image's blocks (which start at multiples of 4).</summary>
    private static void Fill(Span<byte> destination, long offset, uint value)
    {
        if (value == 0)
        {
            destination.Clear();
            return;
        }
        int phase = (int)(offset & 3);
        uint rotated = phase == 0 ? value : uint.RotateRight(value, 8 * phase);
        // destination[i] is the image's byte at offset + i, i.e. byte (offset + i) % 4 of the pattern: rotating the
        // pattern by the phase makes it byte i % 4 of the rotated value, so the span fills with whole 4-byte words.
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(destination[..(destination.Length & ~3)]).Fill(
            BitConverter.IsLittleEndian ? rotated : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(rotated));
        for (int i = destination.Length & ~3; i < destination.Length; i++)
        {
            destination[i] = (byte)(rotated >> (8 * (i & 3)));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsPieces)
        {
            foreach (SparseImage piece in _pieces)
            {
                piece.Dispose();
            }
        }
        foreach (PieceReader reader in _readers)
        {
            reader.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsPieces)
        {
            foreach (SparseImage piece in _pieces)
            {
                await piece.DisposeAsync().ConfigureAwait(false);
            }
        }
        foreach (PieceReader reader in _readers)
        {
            reader.Dispose();
        }
    }
}
