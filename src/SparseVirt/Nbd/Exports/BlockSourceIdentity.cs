using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using SparseVirt.BlockSources;

namespace SparseVirt.Nbd.Exports;

/// <summary>
/// The content identity of a base, for a persistent overlay's header: XxHash128 over its length, every data extent's
/// offset, length and bytes, and every zero extent's offset and length. Only data extents are read, so a sparse image
/// costs about the reading of its RAW chunks; no bytes are sampled or skipped.
/// </summary>
internal static class BlockSourceIdentity
{
    public static UInt128 Compute(IBlockSource source)
    {
        var hash = new XxHash128();
        Span<byte> field = stackalloc byte[8];
        Append(hash, field, source.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach (BlockExtent extent in source.GetExtents(0, source.Length))
            {
                Append(hash, field, extent.Offset);
                Append(hash, field, extent.Length);
                if (extent.Kind != BlockExtentKind.Data)
                {
                    // Hole and allocated zeros read alike: one kind for both.
                    Append(hash, field, -1);
                    continue;
                }
                for (long done = 0; done < extent.Length;)
                {
                    int chunk = (int)Math.Min(buffer.Length, extent.Length - done);
                    source.Read(extent.Offset + done, buffer.AsSpan(0, chunk));
                    hash.Append(buffer.AsSpan(0, chunk));
                    done += chunk;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return hash.GetCurrentHashAsUInt128();
    }

    private static void Append(XxHash128 hash, Span<byte> field, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(field, value);
        hash.Append(field);
    }
}
