using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts;

/// <summary>Writes a block source (a composed disk, a super partition) to a raw file in one pass.</summary>
public static class BlockSourceFile
{
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>
    /// Writes <paramref name="source"/> to a raw file at <paramref name="path"/>: only the source's data extents are
    /// read, and blocks of zeros, holes and zero extents are left as holes, so the file takes the space of its data.
    /// The file is written under a temporary name in the same folder and renamed over <paramref name="path"/> on
    /// success; on failure or cancellation the temporary file is removed and an existing file is left untouched.
    /// </summary>
    /// <param name="source">The disk to write.</param>
    /// <param name="path">The raw file to create or replace.</param>
    /// <param name="progress">Receives the number of bytes of the disk done so far.</param>
    /// <param name="cancellationToken">Stops the write (the temporary file is removed).</param>
    /// <returns>How many bytes were written as data (the rest of the file is holes).</returns>
    /// <exception cref="IOException">The source cannot be read or the file cannot be written.</exception>
    public static async Task<long> WriteAsync(IBlockSource source, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            long written;
            using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None))
            {
                RandomAccess.SetLength(handle, source.Length);
                written = await CopyDataAsync(source, handle, progress, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temporary, full, overwrite: true);
            return written;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Copies the data extents of <paramref name="source"/> into an open file of its length, skipping zero blocks.</summary>
    internal static async Task<long> CopyDataAsync(IBlockSource source, SafeFileHandle handle, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Two buffers: the next chunk is read while the previous one is written, so reading the inputs and writing
        // the output overlap instead of taking turns.
        byte[] current = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        byte[] other = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        Task pendingWrite = Task.CompletedTask;
        long written = 0;
        foreach (BlockExtent extent in source.GetExtents(0, source.Length))
        {
            if (extent.Kind != BlockExtentKind.Data)
            {
                continue;
            }
            for (long offset = extent.Offset; offset < extent.End;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = (int)Math.Min(ChunkBytes - (offset % ChunkBytes), extent.End - offset);
                await source.ReadAsync(offset, current.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                await pendingWrite.ConfigureAwait(false);
                pendingWrite = WriteNonZeroBlocksAsync(handle, current.AsMemory(0, count), offset, cancellationToken);
                (current, other) = (other, current);
                offset += count;
                progress?.Report(offset);
            }
            written += extent.Length;
        }
        await pendingWrite.ConfigureAwait(false);
        progress?.Report(source.Length);
        return written;
    }

    /// <summary>Writes the runs of <paramref name="chunk"/> that are not 4 KiB blocks of zeros (those stay holes).</summary>
    private static async Task WriteNonZeroBlocksAsync(SafeFileHandle handle, ReadOnlyMemory<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        const int Block = 4096;
        int runStart = -1;
        for (int at = 0; at < chunk.Length; at += Block)
        {
            int length = Math.Min(Block, chunk.Length - at);
            bool zeros = !chunk.Span.Slice(at, length).ContainsAnyExcept((byte)0);
            if (!zeros && runStart < 0)
            {
                runStart = at;
            }
            else if (zeros && runStart >= 0)
            {
                await RandomAccess.WriteAsync(handle, chunk[runStart..at], offset + runStart, cancellationToken).ConfigureAwait(false);
                runStart = -1;
            }
        }
        if (runStart >= 0)
        {
            await RandomAccess.WriteAsync(handle, chunk[runStart..], offset + runStart, cancellationToken).ConfigureAwait(false);
        }
    }
}
