
namespace SparseVirt.Sparse;

public sealed partial class SparseImage
{
    /// <summary>
    /// Opens a read-only, seekable <see cref="Stream"/> presenting the expanded image, without writing it anywhere:
    /// each read finds its chunk by binary search and produces RAW bytes from the image, FILL patterns and
    /// DONT_CARE zeros on the fly. Several raw streams may be open at once; disposing one leaves the image open,
    /// and the image must stay open while they are used.
    /// </summary>
    public Stream OpenRawStream()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SparseRawStream(this);
    }
}
