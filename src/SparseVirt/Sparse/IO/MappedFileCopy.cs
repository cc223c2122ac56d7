using Microsoft.Win32.SafeHandles;

namespace SparseVirt.Sparse.IO;

/// <summary>
/// Copies a file range by writing straight from a read-only mapping of the source: one copy, like copy_file_range,
/// but without its cost on ranges whose source and destination offsets differ within a page. A sparse image's
/// payloads follow 12-byte chunk headers, so they are almost never page-aligned with where they land, and the
/// kernel's in-kernel copy then moves every page piecewise (measured here: a misaligned copy_file_range of 1.6 GiB
/// takes about 1.6 times as long as the aligned one, and a write from the populated mapping as long as the aligned one).
/// </summary>
internal static class MappedFileCopy
{
    // The mapping moves through the source in windows this large, each faulted in at once (MAP_POPULATE): the
    // process's resident memory grows by one window at most, and one window is plenty to amortise mmap.
    private const int WindowBytes = 16 * 1024 * 1024;

    // Each write takes this much of the window: long enough to amortise the call, short enough for the CPU cache.
    private const int WriteBytes = 1024 * 1024;

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="source"/> at <paramref name="sourceOffset"/> to
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/>. Returns the number of bytes copied:
    /// all of them, or fewer (from none) when the rest cannot be mapped: not Linux, a source shorter than the range
    /// (mapping past its end would fault; the caller's ordinary path reports the truncation), or a file that cannot be
    /// mapped. The caller copies the rest another way.
    /// </summary>
    /// <exception cref="IOException">Writing failed (no space, I/O error ...).</exception>
    public static long Copy(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long length, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (copied < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int windowLength = (int)Math.Min(length - copied, WindowBytes);
            using MappedFileWindow? window = MappedFileWindow.TryMap(source, sourceOffset + copied, windowLength);
            if (window is null)
            {
                return copied;
            }
            ReadOnlySpan<byte> bytes = window.GetSpan();
            for (int done = 0; done < windowLength; done += WriteBytes)
            {
                RandomAccess.Write(destination, bytes.Slice(done, Math.Min(WriteBytes, windowLength - done)), destinationOffset + copied + done);
            }
            copied += windowLength;
        }
        return copied;
    }
}
