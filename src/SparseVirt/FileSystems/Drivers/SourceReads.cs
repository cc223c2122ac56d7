using SparseVirt.BlockSources;

namespace SparseVirt.FileSystems.Drivers;

/// <summary>Reads of a block source in the library's one sync/async pattern, for the drivers.</summary>
internal static class SourceReads
{
    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="offset"/>; a range past the source's end is bad
    /// input (a structure pointing outside the image), named by <paramref name="what"/>.
    /// </summary>
    public static async ValueTask ReadAsync(
        IBlockSource source, long offset, Memory<byte> destination, string what, bool async, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset > source.Length || destination.Length > source.Length - offset)
        {
            throw new InvalidDataException(
                $"{what}: bytes {offset}..{offset + destination.Length} lie outside the image ({source.Length} bytes).");
        }
        if (async)
        {
            await source.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            source.Read(offset, destination.Span);
        }
    }
}
