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
    /// Reads payload bytes at <paramref name="offset"/> (relative to the image's start) into
    /// <paramref name="destination"/>; returns the bytes read, fewer only at the end of the input.
    /// </summary>
    internal async ValueTask<int> ReadPayloadAsync(long offset, Memory<byte> destination, bool useAsync, CancellationToken cancellationToken)
    {
        long position = Origin + offset;
        if (SourceFileHandle is SafeFileHandle handle)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int read = useAsync
                    ? await RandomAccess.ReadAsync(handle, destination[total..], position + total, cancellationToken).ConfigureAwait(false)
                    : RandomAccess.Read(handle, destination.Span[total..], position + total);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
            return total;
        }

        // Another stream has one position: reads through it take turns.
        if (useAsync)
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
            stream.Position = position;
            return useAsync
                ? await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
                : stream.ReadAtLeast(destination.Span, destination.Length, throwOnEndOfStream: false);
        }
        finally
        {
            _streamGate.Release();
        }
    }

    /// <summary>Reads payload bytes at <paramref name="offset"/> (relative to the image's start); returns the bytes read, fewer only at the end of the input.</summary>
    internal int ReadPayload(long offset, Span<byte> destination)
    {
        long position = Origin + offset;
        if (SourceFileHandle is SafeFileHandle handle)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int read = RandomAccess.Read(handle, destination[total..], position + total);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
            return total;
        }

        _streamGate.Wait();
        try
        {
            Stream stream = BaseStream;
            stream.Position = position;
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        finally
        {
            _streamGate.Release();
        }
    }
}
