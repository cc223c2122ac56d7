using System.Buffers;
using System.IO.Pipelines;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>
/// A <see cref="PipeReader"/> over a byte array that hands the data out in given piece sizes, each piece its own
/// buffer segment, one more piece each time the decoder has examined everything: headers and payloads straddle
/// segments in every possible way.
/// </summary>
internal sealed class ChunkedPipeReader : PipeReader
{
    private readonly Segment _first;
    private readonly List<Segment> _segments = [];
    private int _available;
    private long _consumed;
    private int _located;

    public ChunkedPipeReader(byte[] data, IEnumerable<int> pieceSizes)
    {
        Segment? previous = null;
        int offset = 0;
        using IEnumerator<int> sizes = pieceSizes.GetEnumerator();
        while (offset < data.Length)
        {
            int size = sizes.MoveNext() ? Math.Max(1, sizes.Current) : data.Length - offset;
            size = Math.Min(size, data.Length - offset);
            var segment = new Segment(data.AsMemory(offset, size), offset);
            previous?.SetNext(segment);
            previous = segment;
            _segments.Add(segment);
            offset += size;
        }
        _first = _segments.Count > 0 ? _segments[0] : new Segment(ReadOnlyMemory<byte>.Empty, 0);
        if (_segments.Count == 0)
        {
            _segments.Add(_first);
        }
        _available = 1;
    }

    /// <summary>How many times the decoder asked for data.</summary>
    public int Reads { get; private set; }

    public bool Completed { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Reads++;
        while (_consumed >= End && _available < _segments.Count)
        {
            _available++;
        }
        Segment last = _segments[_available - 1];
        (Segment startSegment, int startIndex) = Locate(_consumed);
        ReadOnlySequence<byte> buffer = _consumed >= End
            ? ReadOnlySequence<byte>.Empty
            : new ReadOnlySequence<byte>(startSegment, startIndex, last, last.Memory.Length);
        return ValueTask.FromResult(new ReadResult(buffer, isCanceled: false, isCompleted: _available == _segments.Count));
    }

    public override bool TryRead(out ReadResult result)
    {
        result = ReadAsync().Result;
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (consumed.GetObject() is null)
        {
            return; // positions of an empty buffer: nothing was there to consume
        }
        _consumed = Absolute(consumed);
        if (Absolute(examined) >= End && _available < _segments.Count)
        {
            _available++;
        }
    }

    private long End
    {
        get
        {
            Segment last = _segments[_available - 1];
            return last.RunningIndex + last.Memory.Length;
        }
    }

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null) => Completed = true;

    private static long Absolute(SequencePosition position) =>
        position.GetObject() is Segment segment ? segment.RunningIndex + position.GetInteger() : 0;

    private (Segment Segment, int Index) Locate(long absolute)
    {
        // Consumption only moves forward, so the search resumes where the last one ended.
        for (; _located < _segments.Count; _located++)
        {
            Segment segment = _segments[_located];
            if (absolute < segment.RunningIndex + segment.Memory.Length)
            {
                return (segment, (int)(absolute - segment.RunningIndex));
            }
        }
        Segment last = _segments[^1];
        return (last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}

/// <summary>A non-seekable stream that returns at most a given number of bytes per read.</summary>
internal sealed class TrickleStream(byte[] data, Func<int> nextReadSize) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int size = Math.Min(Math.Min(buffer.Length, Math.Max(1, nextReadSize())), data.Length - _position);
        data.AsSpan(_position, size).CopyTo(buffer);
        _position += size;
        return size;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
