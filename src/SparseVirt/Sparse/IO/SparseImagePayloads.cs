namespace SparseVirt.Sparse.IO;

/// <summary>Reads chunk payloads of an opened <see cref="SparseImage"/> by offset (positional reads on files).</summary>
internal static class SparseImagePayloads
{
    /// <summary>Fills <paramref name="destination"/> with the image's bytes from <paramref name="offset"/> (relative to the image's start).</summary>
    /// <exception cref="SparseTruncatedException">The image ends first (it changed since it was opened).</exception>
    public static async ValueTask ReadPayloadAsync(this SparseImage image, long offset, Memory<byte> destination, bool useAsync, CancellationToken cancellationToken)
    {
        Stream stream = image.BaseStream;
        long position = image.Origin + offset;
        int read = 0;
        while (read < destination.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Memory<byte> rest = destination[read..];
            int n;
            if (stream is FileStream file)
            {
                n = useAsync
                    ? await RandomAccess.ReadAsync(file.SafeFileHandle, rest, position + read, cancellationToken).ConfigureAwait(false)
                    : RandomAccess.Read(file.SafeFileHandle, rest.Span, position + read);
            }
            else
            {
                stream.Position = position + read;
                n = useAsync
                    ? await stream.ReadAsync(rest, cancellationToken).ConfigureAwait(false)
                    : stream.Read(rest.Span);
            }
            if (n == 0)
            {
                throw new SparseTruncatedException($"the image ends at byte {offset + read} while reading chunk data it declared (was it changed since it was opened?)", null, offset + read);
            }
            read += n;
        }
    }
}
