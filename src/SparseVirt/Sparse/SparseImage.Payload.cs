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
    internal async ValueTask ReadPayloadExactlyAsync(long offset, Memory<byte> destination, int? chunkIndex, bool useAsync, CancellationToken cancellationToken)
    {
        if (!useAsync)
        {
            ReadPayloadExactly(offset, destination.Span, chunkIndex);
            return;
        }

        int read;
        if (SourceFileHandle is SafeFileHandle handle)
        {
            read = 0;
            while (read < destination.Length)
            {
                int step = await RandomAccess.ReadAsync(handle, destination[read..], Origin + offset + read, cancellationToken).ConfigureAwait(false);
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
            await _streamGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Stream stream = BaseStream;
                stream.Position = Origin + offset;
                read = await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _streamGate.Release();
            }
        }
        ThrowIfShort(offset, destination.Length, read, chunkIndex);
    }

    /// <inheritdoc cref="ReadPayloadExactlyAsync"/>
    internal void ReadPayloadExactly(long offset, Span<byte> destination, int? chunkIndex)
    {
        int read;
        if (SourceFileHandle is SafeFileHandle handle)
        {
            read = 0;
            while (read < destination.Length)
            {
                int step = RandomAccess.Read(handle, destination[read..], Origin + offset + read);
                if (step == 0)
                {
                    break;
                }
                read += step;
            }
        }
        else
        {
            _streamGate.Wait();
            try
            {
                Stream stream = BaseStream;
                stream.Position = Origin + offset;
                read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
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
