using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts;

/// <summary>Writes a block source (a composed disk, a super partition) to a raw file in one pass.</summary>
public static class BlockSourceFile
{
    private const int ChunkBytes = 1024 * 1024;

    // A kernel copy is issued in steps of at most this much, so progress is reported and cancellation noticed.
    private const long KernelCopyBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Writes <paramref name="source"/> to a raw file at <paramref name="path"/>: only the source's data extents are
    /// copied, and holes and zero extents are left as holes, so the file takes the space of its data. Ranges the
    /// source stores in a file (a raw image, a sparse image's RAW chunks: <see cref="IFileBackedBlockSource"/>) are
    /// copied file to file inside the kernel (<c>copy_file_range</c>), as they are stored; other data is read and
    /// written with its 4 KiB blocks of zeros left as holes. Where the kernel cannot copy (another system, another
    /// file system on an older kernel), everything is read and written.
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
        AtomicFileOutput output = AtomicFileOutput.Create(path);
        await using ConfiguredAsyncDisposable outputScope = output.ConfigureAwait(false);
        RandomAccess.SetLength(output.Handle, source.Length);
        long written = await CopyDataAsync(source, output.Handle, progress, cancellationToken).ConfigureAwait(false);
        await output.CommitAsync().ConfigureAwait(false);
        return written;
    }

    /// <summary>
    /// Copies the data extents of <paramref name="source"/> into an open file of its length. Ranges the source stores
    /// in a file (<see cref="IFileBackedBlockSource"/>) are copied file to file in the kernel, as they are stored; the
    /// rest is read through the source and written without its 4 KiB blocks of zeros.
    /// </summary>
    internal static async Task<long> CopyDataAsync(IBlockSource source, SafeFileHandle handle, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Two buffers: the next chunk is read while the previous one is written, so reading the inputs and writing
        // the output overlap instead of taking turns.
        byte[] current = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        byte[] other = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        var fileBacked = source as IFileBackedBlockSource;
        Task pendingWrite = Task.CompletedTask;
        long written = 0, readUntil = 0;
        foreach (BlockExtent extent in source.GetExtents(0, source.Length))
        {
            if (extent.Kind != BlockExtentKind.Data)
            {
                continue;
            }
            for (long offset = extent.Offset; offset < extent.End;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long limit = extent.End;
                if (fileBacked is not null)
                {
                    if (offset >= readUntil)
                    {
                        BlockFileRun run = fileBacked.GetFileRun(offset, extent.End - offset);
                        if (run.IsInFile)
                        {
                            await pendingWrite.ConfigureAwait(false);
                            long copied = await CopyInKernelAsync(run, handle, offset, cancellationToken).ConfigureAwait(false);
                            if (copied > 0)
                            {
                                offset += copied;
                                progress?.Report(offset);
                                continue;
                            }
                        }
                        // Not in a file, or the kernel cannot copy between these files: read this run through the source.
                        readUntil = offset + run.Length;
                    }
                    limit = readUntil;
                }
                int count = (int)Math.Min(ChunkBytes - (offset % ChunkBytes), limit - offset);
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

    /// <summary>
    /// Copies up to <see cref="KernelCopyBytes"/> of <paramref name="run"/> to <paramref name="offset"/> with
    /// <c>copy_file_range</c>, off the caller's thread (it blocks). Returns how many bytes were copied: 0 when the
    /// kernel cannot copy between these files, fewer than asked when the input ends early (the caller's read of the
    /// rest then reports the truncation).
    /// </summary>
    private static Task<long> CopyInKernelAsync(BlockFileRun run, SafeFileHandle handle, long offset, CancellationToken cancellationToken)
    {
        long length = Math.Min(run.Length, KernelCopyBytes);
        return Task.Run(() => KernelFileCopy.Copy(run.File!, run.FileOffset, handle, offset, length, cancellationToken), cancellationToken);
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
