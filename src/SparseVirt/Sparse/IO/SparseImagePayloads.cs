namespace SparseVirt.Sparse.IO;

/// <summary>Reads whole chunk payloads of an opened <see cref="SparseImage"/>, treating a short read as truncation.</summary>
internal static class SparseImagePayloads
{
    /// <summary>Fills <paramref name="destination"/> with the image's bytes from <paramref name="offset"/> (relative to the image's start).</summary>
    /// <exception cref="SparseTruncatedException">The image ends first (it changed since it was opened).</exception>
    public static async ValueTask ReadPayloadExactlyAsync(this SparseImage image, long offset, Memory<byte> destination, bool useAsync, CancellationToken cancellationToken)
    {
        int read = await image.ReadPayloadAsync(offset, destination, useAsync, cancellationToken).ConfigureAwait(false);
        if (read < destination.Length)
        {
            throw new SparseTruncatedException(
                $"the image ends at byte {offset + read} while reading chunk data it declared (was it changed since it was opened?)", null, offset + read);
        }
    }
}
