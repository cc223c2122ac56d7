using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse.IO;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>
/// Raw data in a file (or a part of one): holes the file system reports (SEEK_DATA / SEEK_HOLE) come back as hole
/// pieces without being read, as long as they cover whole blocks; everything else is read with positional reads.
/// </summary>
internal sealed class FileRawSource : RawSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly long _length;
    private readonly long _blockSize;
    private readonly FileDataRegions _regions;
    private long _offset;
    private long _regionEnd;
    private bool _regionIsHole;

    /// <param name="handle">The file, open for reading.</param>
    /// <param name="start">The file offset where the raw data starts.</param>
    /// <param name="length">The number of bytes of raw data.</param>
    /// <param name="blockSize">The block size holes are measured in.</param>
    public FileRawSource(SafeFileHandle handle, long start, long length, int blockSize)
    {
        _handle = handle;
        _start = start;
        _length = length;
        _blockSize = blockSize;
        _regions = new FileDataRegions(handle, start + length);
    }

    /// <summary>The bytes of raw data the source holds.</summary>
    public long Length => _length;

    /// <inheritdoc />
    public override SafeFileHandle File => _handle;

    public override async ValueTask<RawPiece> ReadAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_offset >= _length)
        {
            return default;
        }
        if (_offset >= _regionEnd)
        {
            FindRegion();
        }

        if (_regionIsHole)
        {
            long holeLength = _regionEnd - _offset;
            _offset = _regionEnd;
            return new RawPiece(true, holeLength);
        }

        int wanted = (int)Math.Min(buffer.Length, _regionEnd - _offset);
        long fileOffset = _start + _offset;
        int read = 0;
        while (read < wanted)
        {
            Memory<byte> rest = buffer[read..wanted];
            long position = _start + _offset + read;
            int n;
            if (async)
            {
                n = await RandomAccess.ReadAsync(_handle, rest, position, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                n = RandomAccess.Read(_handle, rest.Span, position);
            }
            if (n == 0)
            {
                throw new EndOfStreamException(
                    $"The raw input ended at byte {_offset + read} of the {_length} bytes it had when the conversion started; was it changed meanwhile?");
            }
            read += n;
        }
        _offset += read;
        return new RawPiece(false, read, fileOffset);
    }

    private void FindRegion()
    {
        (bool isData, long end) = _regions.RegionAt(_start + _offset);
        long relativeEnd = end - _start;
        if (!isData)
        {
            // Only whole blocks of hole can be skipped; a block that is partly data is read like data.
            long holeEnd = relativeEnd >= _length ? _length : relativeEnd - (relativeEnd % _blockSize);
            if (holeEnd > _offset)
            {
                _regionIsHole = true;
                _regionEnd = holeEnd;
                return;
            }
            (_, end) = _regions.RegionAt(_start + relativeEnd);
            relativeEnd = end - _start;
        }

        _regionIsHole = false;
        long roundedUp = relativeEnd % _blockSize == 0 ? relativeEnd : relativeEnd + (_blockSize - (relativeEnd % _blockSize));
        _regionEnd = Math.Min(Math.Max(roundedUp, _offset + _blockSize), _length);
    }
}
