using Microsoft.Win32.SafeHandles;
using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

/// <summary>A sparse image written into a file with positional writes (the handle's own offset is not used).</summary>
internal sealed class FileSparseOutput(SafeFileHandle handle, long origin = 0) : SparseOutput
{
    public SafeFileHandle Handle => handle;

    /// <summary>The file offset where the image starts.</summary>
    public long Origin => origin;

    protected override long CopyFromFileCore(SafeFileHandle source, long sourceOffset, long destinationOffset, long length, CancellationToken cancellationToken) =>
        KernelFileCopy.Copy(source, sourceOffset, handle, origin + destinationOffset, length, cancellationToken);

    protected override async ValueTask WriteAtCoreAsync(long offset, ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (async)
        {
            await RandomAccess.WriteAsync(handle, data, origin + offset, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            RandomAccess.Write(handle, data.Span, origin + offset);
        }
    }
}
