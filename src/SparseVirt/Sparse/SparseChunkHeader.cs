using System.Buffers.Binary;

namespace SparseVirt.Sparse;

/// <summary>A chunk header as stored in the image, before validation.</summary>
/// <param name="TypeCode">The chunk type code (validated later: unknown codes are rejected).</param>
/// <param name="Reserved">The reserved field, kept as read.</param>
/// <param name="BlockCount">chunk_sz: the blocks of output the chunk covers.</param>
/// <param name="TotalSize">total_sz: the chunk's bytes in the image, header included.</param>
internal readonly record struct SparseChunkHeader(ushort TypeCode, ushort Reserved, uint BlockCount, uint TotalSize)
{
    public static SparseChunkHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, TypeCode);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], BlockCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], TotalSize);
    }
}
