using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse;

public sealed partial class SparseImage
{
    private readonly SemaphoreSlim _streamGate = new(1, 1);

    /// <summary>The validated chunks as the array they are stored in.</summary>
    internal SparseChunk[] ChunkArray => (SparseChunk[])Chunks;

    /// <summary>
    /// The image's file, when it was opened from one: RAW payloads are then read with positional reads (or copied
    /// inside the kernel) without touching the stream's position, so raw streams can read concurrently.
    /// </summary>
    internal SafeFileHandle? SourceFileHandle => BaseStream is FileStream file ? file.SafeFileHandle : null;

    /// <summary>
    /// Fills <paramref name="destination"/> with the image's bytes from <paramref name="offset"/> (relative to the
    /// image's start): the one way chunk data is read from an opened image.
    /// </summary>
    /// <remarks><c>chunkIndex</c>: the chunk the bytes belong to, for the error; null when not known.</remarks>
    /// <exception cref="SparseTruncatedException">The image ends first (it shrank after it was opened).</exception>
    internal async ValueTask ReadPayloadExactlyAsync(long offset, Memory<byte> destination, int? chunkIndex, bool async, CancellationToken cancellationToken)
    {
        int read;
        if (SourceFileHandle is SafeFileHandle handle)
        {
            read = 0;
            while (read < destination.Length)
            {
                long position = Origin + offset + read;
                int step = async
                    ? await RandomAccess.ReadAsync(handle, destination[read..], position, cancellationToken).ConfigureAwait(false)
                    : RandomAccess.Read(handle, destination.Span[read..], position);
                if (step == 0)
                {
                    break;
                }
                read += step;
            }
        }
        else
        {
            // Another stream has one position: reads through it take turns.
            if (async)
            {
                await _streamGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _streamGate.Wait(cancellationToken);
            }
            try
            {
                Stream stream = BaseStream;
                stream.Position = Origin + offset;
                read = async
                    ? await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
                    : stream.ReadAtLeast(destination.Span, destination.Length, throwOnEndOfStream: false);
            }
            finally
            {
                _streamGate.Release();
            }
        }
        ThrowIfShort(offset, destination.Length, read, chunkIndex);
    }

    private static void ThrowIfShort(long offset, int wanted, int read, int? chunkIndex)
    {
        if (read < wanted)
        {
            long end = offset + read;
            SparseThrowHelper.ThrowTruncated(
                $"the image ends at byte {end}, {wanted - read} bytes short of the chunk data it declares (it shrank after it was opened)", chunkIndex, end);
        }
    }
}
