using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Layouts;

/// <summary>Writes a block source (a composed disk, a super partition) to a raw file in one pass.</summary>
public static class BlockSourceFile
{
    private const int ChunkBytes = 1024 * 1024;

    // The unit of holes in the output: a block of this many zeros is not written (as lpunpack and simg2img do).
    private const int ZeroBlockBytes = 4096;

    /// <summary>
    /// Writes <paramref name="source"/> to a raw file at <paramref name="path"/>: only the source's data extents are
    /// read, and holes, zero extents and 4 KiB blocks of zeros within the data (written zeros of a raw input) are left
    /// as holes, as lpunpack leaves them, so the file takes the space of its data. Data the source stores in a file
    /// (a raw image, a sparse image's RAW chunks: <see cref="IFileBackedBlockSource"/>) is copied file to file inside
    /// the kernel (<c>copy_file_range</c>) once a read has found no zero block in it; other data is written from what
    /// was read. Where the kernel cannot copy (another system, another file system on an older kernel), it is written.
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
    /// Copies the data extents of <paramref name="source"/> into an open file of its length, in chunks read through
    /// the source, leaving its 4 KiB blocks of zeros as holes (as lpunpack and simg2img do, whether the zeros are holes
    /// of the input or written zeros, as a raw super image from lpmake holds). A chunk without zero blocks that the
    /// source stores in a file (<see cref="IFileBackedBlockSource"/>) is copied file to file in the kernel.
    /// </summary>
    internal static async Task<long> CopyDataAsync(IBlockSource source, SafeFileHandle handle, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Two buffers: the next chunk is read while the previous one is written, so reading the inputs and writing
        // the output overlap instead of taking turns.
        byte[] current = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        byte[] other = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
        var fileBacked = source as IFileBackedBlockSource;
        // One kernel copier for the whole write, so its fstatfs verdicts and pipe serve every chunk.
        using var kernelCopy = new KernelFileCopy(handle);
        Task pendingWrite = Task.CompletedTask;
        long written = 0;
        try
        {
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
                    Memory<byte> chunk = current.AsMemory(0, count);
                    await source.ReadAsync(offset, chunk, cancellationToken).ConfigureAwait(false);
                    await pendingWrite.ConfigureAwait(false);
                    pendingWrite = WriteChunkAsync(fileBacked, kernelCopy, handle, chunk, offset, cancellationToken);
                    (current, other) = (other, current);
                    offset += count;
                    progress?.Report(offset);
                }
                written += extent.Length;
            }
            await pendingWrite.ConfigureAwait(false);
        }
        finally
        {
            // A write still running uses the copier's pipe: let it end before the copier is disposed.
            await pendingWrite.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        progress?.Report(source.Length);
        return written;
    }

    /// <summary>
    /// Writes one chunk read from the source at <paramref name="offset"/>. Zero blocks must stay holes, and only a
    /// read finds them, so every chunk is read (the zero test stops at a data block's first non-zero byte); a chunk
    /// of data only is then copied in the kernel from the file the source stores it in, where it can be (this keeps
    /// what the kernel does better than a write: a reflink or server-side copy on file systems that share extents).
    /// What the kernel does not copy (not in a file, another file system, an early end) is written from the buffer.
    /// </summary>
    private static async Task WriteChunkAsync(IFileBackedBlockSource? fileBacked, KernelFileCopy kernelCopy, SafeFileHandle handle, ReadOnlyMemory<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        int copied = 0;
        if (fileBacked is not null && !HasZeroBlock(chunk.Span))
        {
            while (copied < chunk.Length)
            {
                BlockFileRun run = fileBacked.GetFileRun(offset + copied, chunk.Length - copied);
                if (!run.IsInFile)
                {
                    break;
                }
                long at = offset + copied;
                long moved = await Task.Run(() => kernelCopy.CopyRange(run.File!, run.FileOffset, at, run.Length, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (moved <= 0)
                {
                    break;
                }
                copied += (int)moved;
            }
        }
        await WriteNonZeroBlocksAsync(handle, chunk[copied..], offset + copied, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="chunk"/> holds a 4 KiB block of zeros (counted from its start).</summary>
    private static bool HasZeroBlock(ReadOnlySpan<byte> chunk)
    {
        for (int at = 0; at < chunk.Length; at += ZeroBlockBytes)
        {
            if (!chunk.Slice(at, Math.Min(ZeroBlockBytes, chunk.Length - at)).ContainsAnyExcept((byte)0))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Writes the runs of <paramref name="chunk"/> that are not 4 KiB blocks of zeros (those stay holes).</summary>
    private static async Task WriteNonZeroBlocksAsync(SafeFileHandle handle, ReadOnlyMemory<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        const int Block = ZeroBlockBytes;
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
