namespace SparseVirt.FileSystems.Erofs;

internal sealed partial class ErofsDriver
{
    /// <summary>
    /// Small metadata reads for one call (index entries, chunk entries, xattr entries): the block holding them is
    /// read once and kept while the call reads nearby entries, so walking an index costs a read per block, not per
    /// entry. One cursor per call: it is never shared between threads.
    /// </summary>
    private sealed class MetadataCursor(ErofsDriver driver)
    {
        private readonly byte[] block = new byte[driver.superblock.BlockSize];
        private long blockStart = -1;
        private int blockLength;

        /// <summary>
        /// The <paramref name="length"/> bytes at <paramref name="position"/>: a slice of the cached block when they
        /// lie in one block, else a fresh array (callers bound <paramref name="length"/>).
        /// </summary>
        public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(long position, int length, string what, bool async, CancellationToken cancellationToken)
        {
            long start = position & ~(long)(block.Length - 1);
            if (position < 0 || position - start + length > block.Length)
            {
                byte[] bytes = new byte[length];
                await driver.ReadAsync(position, bytes, what, async, cancellationToken).ConfigureAwait(false);
                return bytes;
            }
            if (start != blockStart)
            {
                int available = (int)Math.Min(block.Length, Math.Max(0, driver.source.Length - start));
                if (position + length > start + available)
                {
                    // Let the bounds check name the structure and the image end.
                    await driver.ReadAsync(position, new byte[length], what, async, cancellationToken).ConfigureAwait(false);
                }
                blockStart = -1;
                await driver.ReadAsync(start, block.AsMemory(0, available), what, async, cancellationToken).ConfigureAwait(false);
                blockStart = start;
                blockLength = available;
            }
            int offset = (int)(position - start);
            return offset + length <= blockLength
                ? block.AsMemory(offset, length)
                : throw new InvalidDataException($"EROFS {what}: bytes {position}..{position + length} lie beyond the end of the image ({driver.source.Length} bytes).");
        }
    }
}
