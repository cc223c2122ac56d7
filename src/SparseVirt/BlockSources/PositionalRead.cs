using Microsoft.Win32.SafeHandles;

namespace SparseVirt.BlockSources;

/// <summary>Positional reads of a file that fill the whole destination, in the library's one sync/async pattern.</summary>
internal static class PositionalRead
{
    /// <summary>
    /// Reads at <paramref name="offset"/> of <paramref name="file"/> until <paramref name="destination"/> is full or the
    /// file ends, and returns how many bytes were read (fewer than asked only at the end of the file, which the caller
    /// reports in its own words).
    /// </summary>
    public static async ValueTask<int> FillCoreAsync(SafeFileHandle file, Memory<byte> destination, long offset, bool async, CancellationToken cancellationToken)
    {
        // Asynchronously, what the page cache holds is read here and now (see PageCacheRead): no thread pool hop.
        int filled = async ? PageCacheRead.Read(file, destination.Span, offset) : 0;
        while (filled < destination.Length)
        {
            Memory<byte> rest = destination[filled..];
            int read = async
                ? await RandomAccess.ReadAsync(file, rest, offset + filled, cancellationToken).ConfigureAwait(false)
                : RandomAccess.Read(file, rest.Span, offset + filled);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }
}
