using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SparseVirt.Sparse;

/// <summary>
/// A read-only, seekable view of a sparse image's expanded bytes (see <see cref="SparseImage.OpenRawStream"/>).
/// Chunks that cover output are kept in output order with their start offsets, so a position maps to its chunk
/// by binary search.
/// </summary>
internal sealed class SparseRawStream : Stream
{
    private readonly SparseImage _image;
    private readonly SparseChunk[] _chunks;
    private readonly long[] _starts;
    private readonly uint _blockSize;
    private long _position;
    private bool _disposed;

    public SparseRawStream(SparseImage image)
    {
        _image = image;
        _blockSize = image.Header.BlockSize;
        _chunks = Array.FindAll(image.ChunkArray, c => c.BlockCount > 0);
        _starts = Array.ConvertAll(_chunks, c => c.OutputOffset(_blockSize));
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed;

    public override bool CanWrite => false;

    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _image.RawLength;
        }
    }

    public override long Position
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _position;
        }
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException($"Cannot seek to {target}: before the start of the stream.");
        }
        Position = target;
        return target;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return SyncPath.Complete(ReadCoreAsync(buffer.AsMemory(offset, count), async: false, CancellationToken.None));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int total = 0;
        while (total < buffer.Length && _position < _image.RawLength)
        {
            (SparseChunk chunk, long within, int count) = NextRange(buffer.Length - total);
            Memory<byte> target = buffer.Slice(total, count);
            if (chunk.Type == SparseChunkType.Raw)
            {
                await _image.ReadPayloadExactlyAsync(chunk.PayloadOffset + within, target, chunk.Index, async, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Produce(chunk, within, target.Span);
            }
            total += count;
            _position += count;
        }
        return total;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("The expanded view of a sparse image is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The expanded view of a sparse image is read-only.");

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    private int FindChunk(long position)
    {
        int index = Array.BinarySearch(_starts, position);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The chunk holding the current position, the offset in its output, and how much of it (at most <paramref name="wanted"/>) the next step reads.</summary>
    private (SparseChunk Chunk, long Within, int Count) NextRange(int wanted)
    {
        int index = FindChunk(_position);
        SparseChunk chunk = _chunks[index];
        long within = _position - _starts[index];
        return (chunk, within, (int)Math.Min(wanted, chunk.OutputLength(_blockSize) - within));
    }

    private static void Produce(SparseChunk chunk, long within, Span<byte> target)
    {
        if (chunk.Type != SparseChunkType.Fill || chunk.FillValue == 0)
        {
            target.Clear();
            return;
        }

        // The pattern starts at a block boundary; a read starting mid-pattern sees it rotated.
        int phase = (int)(within & 3);
        uint rotated = BitOperations.RotateRight(chunk.FillValue, 8 * phase);
        uint stored = BitConverter.IsLittleEndian ? rotated : BinaryPrimitives.ReverseEndianness(rotated);
        int whole = target.Length & ~3;
        MemoryMarshal.Cast<byte, uint>(target[..whole]).Fill(stored);
        for (int i = whole; i < target.Length; i++)
        {
            target[i] = (byte)(rotated >> (8 * (i & 3)));
        }
    }
}
