using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Interop;
using SparseVirt.Sparse.IO;

namespace SparseVirt.Sparse;

/// <summary>
/// Where expanded output goes; it owns what it opened (a temporary file, a device) and releases it on disposal.
/// Offsets are positions in the expanded image. The subclasses decide what each kind of range costs: a fresh
/// regular file leaves zero ranges as holes, a block device gets every defined byte, a stream gets every defined
/// byte and seeks over DONT_CARE when it can.
/// </summary>
internal abstract class RawDestination : IAsyncDisposable
{
    /// <summary>
    /// Opens the destination named by a path the way its kind needs: a new or existing regular file is written as a
    /// temporary file beside it (sized, with holes) and renamed over it by <see cref="CommitAsync"/>; an existing
    /// block device is written in place (it cannot be renamed over); any other existing special file (a character
    /// device such as <c>/dev/null</c>, a FIFO) is written in order like a stream. Disposing without a commit
    /// removes the temporary file and leaves an existing file as it was.
    /// </summary>
    public static RawDestination OpenPath(string path, ILogger? logger, bool durable = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        logger ??= NullLogger.Instance;
        UnixFileType kind = FileStatus.TryOf(path)?.Kind ?? UnixFileType.RegularFile;
        switch (kind)
        {
            case UnixFileType.BlockDevice:
                SparseLog.WritingInPlace(logger, path, "block device");
                return FileRawDestination.OpenBlockDevice(path, durable);
            case UnixFileType.RegularFile:
                return FileRawDestination.CreateTemporary(path, durable);
            default:
                SparseLog.WritingInPlace(logger, path, "special file");
                var special = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                return new StreamRawDestination(special, sequentialOnly: true, ownsStream: true);
        }
    }

    /// <summary>What the destination is, for logs.</summary>
    public abstract string Description { get; }

    /// <summary>The destination's file, when RAW data can be copied into it inside the kernel.</summary>
    public virtual SafeFileHandle? KernelCopyTarget => null;

    /// <summary>Called before each piece is expanded, with the piece's expanded length and its index (from 0).</summary>
    public abstract ValueTask BeginPieceAsync(long rawLength, int pieceIndex, bool async, CancellationToken cancellationToken);

    /// <summary>Writes expanded bytes at <paramref name="offset"/>.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, bool async, CancellationToken cancellationToken);

    /// <summary>Writes a sequence of buffers as one contiguous range at <paramref name="offset"/> (a gather write where the destination has one).</summary>
    public virtual async ValueTask WriteAsync(ReadOnlySequence<byte> data, long offset, bool async, CancellationToken cancellationToken)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            await WriteAsync(segment, offset, async, cancellationToken).ConfigureAwait(false);
            offset += segment.Length;
        }
    }

    /// <summary>Makes a range read as zeros (a zero FILL chunk).</summary>
    public abstract ValueTask ZeroAsync(long offset, long length, bool async, CancellationToken cancellationToken);

    /// <summary>Passes over a DONT_CARE range: what the destination holds there stays.</summary>
    public abstract ValueTask SkipAsync(long offset, long length, bool async, CancellationToken cancellationToken);

    /// <summary>Called once after the last piece with its expanded length, which the output ends at.</summary>
    public abstract ValueTask CompleteAsync(long rawLength, bool async, CancellationToken cancellationToken);

    /// <summary>Makes the output final (a temporary file is renamed over the destination); nothing to do for others.</summary>
    public virtual ValueTask CommitAsync(bool async) => ValueTask.CompletedTask;

    /// <summary>Releases what the destination opened; without a commit, a temporary file is removed.</summary>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Writes <paramref name="length"/> bytes of a repeated 32-bit pattern (a FILL chunk).</summary>
    public async ValueTask FillAsync(uint pattern, long offset, long length, bool async, CancellationToken cancellationToken)
    {
        if (pattern == 0)
        {
            await ZeroAsync(offset, length, async, cancellationToken).ConfigureAwait(false);
            return;
        }

        ArraySegment<byte> buffer = PatternBuffers.RentFilled(pattern, length);
        try
        {
            await WriteRepeatedAsync(buffer, offset, length, async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            PatternBuffers.Return(buffer);
        }
    }

    /// <summary>Writes <paramref name="length"/> bytes made of <paramref name="pattern"/> repeated (its length a multiple of 4).</summary>
    protected virtual async ValueTask WriteRepeatedAsync(ReadOnlyMemory<byte> pattern, long offset, long length, bool async, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int step = (int)Math.Min(length, pattern.Length);
            await WriteAsync(pattern[..step], offset, async, cancellationToken).ConfigureAwait(false);
            offset += step;
            length -= step;
        }
    }

    /// <summary>Writes zeros over a range.</summary>
    protected ValueTask WriteZerosAsync(long offset, long length, bool async, CancellationToken cancellationToken) =>
        WriteRepeatedAsync(PatternBuffers.Zeros, offset, length, async, cancellationToken);
}
